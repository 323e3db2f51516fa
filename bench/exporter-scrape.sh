#!/usr/bin/env bash
# Scrape latency of `sockdoc exporter` against prometheus-node-exporter's sockstat+netstat+filefd+conntrack
# collectors on the same host, side by side: N scrapes each, loopback, curl's time_total.
# Prints the medians and the ratio sockdoc/node. Usage: bench/exporter-scrape.sh [N]
# The census of every socket runs in sockdoc's background loop, so a scrape should stay flat as sockets grow.
set -euo pipefail
n="${1:-50}"
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ -n "${SOCKDOC_BIN:-}" ]; then bin="$SOCKDOC_BIN"; else "$here/sockdoc" --help >/dev/null; bin="$here/.build/release/sockdoc"; fi
sp=19477; np=19100
"$bin" exporter --listen "127.0.0.1:$sp" --census-interval 5s 2>/dev/null & s=$!
prometheus-node-exporter --web.listen-address="127.0.0.1:$np" --collector.disable-defaults \
  --collector.sockstat --collector.netstat --collector.filefd --collector.conntrack 2>/dev/null & p=$!
trap 'kill $s $p 2>/dev/null; wait $s $p 2>/dev/null || true' EXIT
for port in $sp $np; do for _ in $(seq 100); do curl -sf "127.0.0.1:$port/metrics" >/dev/null && break; sleep 0.1; done; done
sleep 6 # let the first background census finish
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { for _ in $(seq "$n"); do curl -s -o /dev/null -w '%{time_total}\n' "127.0.0.1:$1/metrics"; done | median; }
sd=$(ms $sp); nd=$(ms $np)
sockets=$(awk '/^TCP:/ {print $3}' /proc/net/sockstat)
echo "tcp sockets in use: $sockets"
echo "sockdoc exporter median scrape: ${sd}s"
echo "node exporter    median scrape: ${nd}s"
awk -v a="$sd" -v b="$nd" 'BEGIN {printf "ratio sockdoc/node: %.2f\n", a/b}'
curl -s "127.0.0.1:$sp/metrics" | grep -E '^sockdoc_(scrape_duration|background_refresh_duration|census_age)'
