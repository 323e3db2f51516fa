#!/usr/bin/env bash
# bench/trace.sh: overhead of `sockdoc trace --what churn,ports` on a short-connection load.
#
#   sudo bench/trace.sh [SECONDS] [RUNS] [CONCURRENCY]          (defaults 10, 3 and 64)
#
# In a private network namespace (sdk-trace-bench-PID, removed at exit) a `load server` answers and
# `load client --mode short` opens connections as fast as CONCURRENCY allows (--rate 0), for SECONDS each run.
# Runs alternate (ABBA): without a trace and with `sockdoc trace --what churn,ports --json` attached (the trace starts
# before and ends after the client). Printed: connections/s of each run, the median of each side, the ratio
# with/without (target ≥ 0.9, i.e. overhead ≤ 10 %) and the trace's event rate (events the kernel put in the rings
# per second, from the trace's own totals). The machine is shared: the load average is printed before and after.
set -euo pipefail

secs="${1:-10}"
runs="${2:-3}"
conc="${3:-64}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
[ "$(id -u)" = 0 ] || { echo "bench/trace.sh: needs root (network namespace, perf events)" >&2; exit 3; }

work="$(mktemp -d /tmp/sockdoc-bench-trace.XXXXXX)"
ns="sdk-trace-bench-$$"
server_pid=""
trace_pid=""
cleanup() {
  for p in $trace_pid $server_pid; do
    if kill -0 "$p" 2>/dev/null; then kill -INT "$p" 2>/dev/null || true; fi
  done
  # Give each a few seconds to end on SIGINT (the trace detaches, the server closes its sockets), then SIGKILL;
  # `wait` collects it so the shell does not report a killed job.
  for _ in $(seq 1 50); do
    alive=0; for p in $trace_pid $server_pid; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break; sleep 0.1
  done
  for p in $trace_pid $server_pid; do kill -KILL "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  ip netns delete "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$repo/sockdoc" --help >/dev/null            # build the Release binary once (bootstrap)
sockdoc="$repo/.build/release/sockdoc"

ip netns add "$ns"
ip -n "$ns" link set lo up
# Wide port range and TIME_WAIT reuse inside the namespace only, so ports never run out during the runs.
ip netns exec "$ns" sysctl -q net.ipv4.ip_local_port_range="10000 65000" net.ipv4.tcp_tw_reuse=1
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)   CPUs: $(nproc)   kernel: $(uname -r)"
ip netns exec "$ns" "$sockdoc" load server --listen 127.0.0.1:9500 --duration 3600 >"$work/server.log" 2>&1 &
server_pid=$!
sleep 2

client() { # one client run; prints connections per second
  ip netns exec "$ns" "$sockdoc" load client --target 127.0.0.1:9500 --mode short --rate 0 --concurrency "$conc" \
     --requests 100000000 --duration "$secs" --json >"$work/client.json" 2>"$work/client.err" || true
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.1f" % (d["established"]/d["seconds"]))' "$work/client.json"
}

without=(); with=(); evrates=()
for i in $(seq 1 "$runs"); do
  # ABBA order: odd runs measure without the trace first, even runs with it first (warm-up and drift cancel).
  if [ $((i % 2)) = 1 ]; then sleep 1; r0=$(client); without+=("$r0"); fi
  sleep 1
  "$sockdoc" trace --what churn,ports --duration $((secs + 30))s --json >"$work/trace.json" 2>"$work/trace.err" &
  trace_pid=$!
  for _ in $(seq 1 300); do grep -q "attached" "$work/trace.err" 2>/dev/null && break; sleep 0.1; done
  grep -q "attached" "$work/trace.err" || { cat "$work/trace.err" >&2; echo "trace did not attach" >&2; exit 3; }
  r1=$(client); with+=("$r1")
  kill -INT "$trace_pid"; wait "$trace_pid" || true; trace_pid=""
  ev=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); t=d["totals"]; print("%.0f %d" % (t["events"]/float(sys.argv[2]), t["lost"]))' "$work/trace.json" "$secs")
  evrates+=("${ev% *}")
  if [ $((i % 2)) = 0 ]; then sleep 1; r0=$(client); without+=("$r0"); fi
  echo "run $i: without trace $r0 conn/s, with trace $r1 conn/s, trace events ${ev% *}/s (lost ${ev#* })"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
m0=$(median "${without[@]}"); m1=$(median "${with[@]}"); me=$(median "${evrates[@]}")
ratio=$(python3 -c "print('%.3f' % ($m1/$m0))")
echo "median: without $m0 conn/s, with trace $m1 conn/s; ratio $ratio (target >= 0.9); trace event rate $me events/s (events in the rings / client seconds)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 -c "import sys; sys.exit(0 if $ratio >= 0.9 else 1)"
