#!/usr/bin/env bash
# bench/sockets.sh: the socket census against ss at 200,000 established loopback connections (400,000 sockets).
#
#   sudo bench/sockets.sh [CONNECTIONS] [RUNS]        (defaults 200000 and 3)
#
# In a private network namespace (sdk-census-bench-PID, removed at exit) bench/lib/holdconns.c holds the
# connections; then, side by side and in the same namespace:
#   A: sockdoc sockets --by state,port --json          vs   ss -tan          (target: A ≤ 0.7 × ss)
#   B: sockdoc sockets --by state,port,process --json  vs   ss -tanp         (target: B ≤ 1/40 × ss -tanp)
# and the peak RSS of sockdoc (target ≤ 100 MB). Wall times are medians of RUNS runs; ss -tanp runs once,
# bounded by a 150 s timeout (if it times out the ratio uses 150 s as a lower bound and says so).
# The machine is shared: the 1-minute load average is printed before and after, read ratios with it.
set -euo pipefail

conns="${1:-200000}"
runs="${2:-3}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
[ "$(id -u)" = 0 ] || { echo "bench/sockets.sh: needs root (network namespace)" >&2; exit 3; }

work="$(mktemp -d /tmp/sockdoc-bench-sockets.XXXXXX)"
ns="sdk-census-bench-$$"
hold_pid=""
cleanup() {
  if [ -n "$hold_pid" ] && kill -0 "$hold_pid" 2>/dev/null; then
    kill -TERM "$hold_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$hold_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  ip netns delete "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

cc -O2 -Wall -o "$work/holdconns" "$here/lib/holdconns.c"
"$repo/sockdoc" --help >/dev/null            # build the Release binary once (bootstrap)
sockdoc="$repo/.build/release/sockdoc"       # then time the binary itself, not the bootstrap's staleness check

ip netns add "$ns"
ip -n "$ns" link set lo up
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)   CPUs: $(nproc)   kernel: $(uname -r)"
echo "holding $conns connections in $ns ..."
ip netns exec "$ns" "$work/holdconns" "$conns" --hold 900 --ready "$work/ready" >"$work/holdconns.log" 2>&1 &
hold_pid=$!
for _ in $(seq 1 1800); do
  [ -s "$work/ready" ] && break
  kill -0 "$hold_pid" 2>/dev/null || { cat "$work/holdconns.log" >&2; echo "holdconns failed" >&2; exit 3; }
  sleep 0.1
done
[ -s "$work/ready" ] || { echo "holdconns not ready after 180 s" >&2; exit 3; }
echo "$(cat "$work/ready"); sockets in the namespace: $(ip netns exec "$ns" ss -tan | tail -n +2 | wc -l)"

# wall seconds of one run of "$@" (stdout discarded); peak RSS (KB) of the last run in $work/rss
one() {
  /usr/bin/time -f "%e %M" -o "$work/time" ip netns exec "$ns" "$@" >/dev/null 2>"$work/stderr" || { cat "$work/stderr" >&2; return 1; }
  read -r secs rss <"$work/time"
  echo "$rss" >"$work/rss"
  echo "$secs"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
timed() { # median wall of $runs runs after one warm-up; also keeps the largest RSS
  one "$@" >/dev/null
  local maxrss=0 t
  for _ in $(seq 1 "$runs"); do
    t="$(one "$@")"; echo "$t" >>"$work/samples"
    r="$(cat "$work/rss")"; [ "$r" -gt "$maxrss" ] && maxrss="$r"
  done
  echo "$maxrss" >"$work/maxrss"
  median <"$work/samples"; rm -f "$work/samples"
}

ss_tan="$(timed ss -tan)"
sd_a="$(timed "$sockdoc" sockets --by state,port --json)"; rss_a="$(cat "$work/maxrss")"
sd_b="$(timed "$sockdoc" sockets --by state,port,process --json)"; rss_b="$(cat "$work/maxrss")"
ip netns exec "$ns" "$sockdoc" sockets --by state,port,process --json >"$work/census.json"

echo "ss -tanp (once, timeout 150 s) ..."
start=$(date +%s.%N)
if timeout 150 ip netns exec "$ns" ss -tanp >/dev/null 2>&1; then
  ss_tanp="$(echo "$(date +%s.%N) - $start" | bc -l)"; tanp_note=""
else
  ss_tanp=150; tanp_note=" (timed out: lower bound)"
fi

total="$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["total_sockets"], d["by_state"].get("ESTABLISHED",0), d["owners_complete"], round(d["timings"]["dump_ms"]), round(d["timings"]["owner_scan_ms"]), d["timings"]["fds_scanned"])' "$work/census.json" 2>/dev/null || echo "?")"
printf '\n%-58s %10s\n' "command (in $ns, $conns connections)" "wall s"
printf '%-58s %10.3f\n' "ss -tan > /dev/null" "$ss_tan"
printf '%-58s %10.3f\n' "sockdoc sockets --by state,port --json" "$sd_a"
printf '%-58s %10.3f\n' "ss -tanp > /dev/null" "$ss_tanp"
printf '%-58s %10.3f\n' "sockdoc sockets --by state,port,process --json" "$sd_b"
echo
echo "census (total, established, owners_complete, dump ms, owner scan ms, fds scanned): $total"
awk -v a="$sd_a" -v s="$ss_tan" 'BEGIN { r=a/s; printf "ratio A  sockdoc/ss -tan   = %.3f  (target <= 0.70) %s\n", r, (r<=0.7?"OK":"MISSED") }'
awk -v b="$sd_b" -v s="$ss_tanp" -v n="$tanp_note" 'BEGIN { r=b/s; printf "ratio B  sockdoc/ss -tanp  = %.4f = 1/%.0f%s  (target <= 1/40) %s\n", r, 1/r, n, (r<=1/40?"OK":"MISSED") }'
awk -v a="$rss_a" -v b="$rss_b" 'BEGIN { m=(a>b?a:b)/1024; printf "peak RSS of sockdoc       = %.1f MB  (target <= 100 MB) %s\n", m, (m<=100?"OK":"MISSED") }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
