#!/usr/bin/env bash
# Footprint of the native exporter beside prometheus-node-exporter on the same host: steady resident memory
# (VmRSS after warm-up and N scrapes, sampled again after a census cycle; the larger is printed) and the median of
# N serial scrapes (curl time_total, loopback). Node exporter runs with its default collectors, as on a fleet.
#   bench/exporter-footprint.sh [N]       SOCKDOC_NATIVE=path to use an existing native binary (else scripts/dist)
# The GC settings are compiled into the binary (src/SockDoc.Cli/SockDoc.Cli.csproj: NativeAOT reads its runtimeconfig
# knobs, not DOTNET_GC* variables); SOCKDOC_GC_ENV adds environment variables to try.
set -euo pipefail
n="${1:-100}"
here="$(cd "$(dirname "$0")/.." && pwd)"
. "$here/bench/lib/native.sh"
bin="$(native_binary)"
gc_env="${SOCKDOC_GC_ENV:-}"
sp=19577; np=19578
env ${gc_env:-} "$bin" exporter --listen "127.0.0.1:$sp" --census-interval 15s >/dev/null 2>&1 & s=$!
prometheus-node-exporter --web.listen-address="127.0.0.1:$np" >/dev/null 2>&1 & p=$!
trap 'kill $s $p 2>/dev/null; wait $s $p 2>/dev/null || true; native_cleanup "$bin"' EXIT
for port in $sp $np; do for _ in $(seq 100); do curl -sf "127.0.0.1:$port/metrics" >/dev/null && break; sleep 0.1; done; done
median() { sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)] * 1000}'; }
scrape() { for _ in $(seq "$n"); do curl -s -o /dev/null -w '%{time_total}\n' "127.0.0.1:$1/metrics"; done | median; }
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
scrape $sp >/dev/null; scrape $np >/dev/null      # warm-up
sd=$(scrape $sp); nd=$(scrape $np)
sleep 16                                          # one background census cycle (15 s) in between
scrape $sp >/dev/null; scrape $np >/dev/null
srss=$(( $(rss $s) )); nrss=$(( $(rss $p) ))
echo "GC settings: compiled in (SockDoc.Cli.csproj)${gc_env:+, plus $gc_env}"
echo "binary: $bin ($(stat -c %s "$bin") bytes)"
echo "tcp sockets in use: $(awk '/^TCP:/ {print $3}' /proc/net/sockstat)"
printf '%-26s %10s %16s\n' "" "RSS (MB)" "median scrape ms"
awk -v r="$srss" -v t="$sd" 'BEGIN {printf "%-26s %10.1f %16s\n", "sockdoc exporter (native)", r/1024, t}'
awk -v r="$nrss" -v t="$nd" 'BEGIN {printf "%-26s %10.1f %16s\n", "prometheus-node-exporter", r/1024, t}'
awk -v a="$srss" -v b="$nrss" -v c="$sd" -v d="$nd" 'BEGIN {printf "ratio sockdoc/node: RSS %.2f, scrape %.2f (target: RSS <= 30 MB, scrape ratio <= 1.1)\n", a/b, c/d}'
