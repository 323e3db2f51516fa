#!/usr/bin/env bash
# bench/namespaces.sh: the census and the doctor over many network namespaces against an `ss` loop (issue 13).
#
#   sudo bench/namespaces.sh [NAMESPACES] [CONNECTIONS_PER_NAMESPACE] [RUNS]     (defaults 20, 10000, 3)
#
# Makes NAMESPACES namespaces (sdk-nsbench-PID-I, removed at exit); bench/lib/holdconns.c holds
# CONNECTIONS_PER_NAMESPACE established loopback connections in each (2 sockets per connection: 20 × 10,000 ×
# 2 = 400,000 sockets). Then, side by side, from the host namespace:
#   L: for ns in the namespaces: ip netns exec ns ss -tan > /dev/null        (the loop an operator writes today)
#   A: sockdoc sockets --by container,state --json                           (target: A ≤ 0.5 × L)
#   B: sockdoc doctor --all-namespaces --interval 0 --no-log --json          (target: B ≤ 2 × L)
# Wall and CPU times are medians of RUNS runs after one warm-up. The machine is shared: the load average is printed,
# and the CPU seconds (user + sys) beside the wall seconds, which a loaded machine stretches.
set -euo pipefail

count="${1:-20}"
conns="${2:-10000}"
runs="${3:-3}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
[ "$(id -u)" = 0 ] || { echo "bench/namespaces.sh: needs root (network namespaces)" >&2; exit 3; }

work="$(mktemp -d /tmp/sockdoc-bench-ns.XXXXXX)"
pids=()
names=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; done
  for n in "${names[@]}"; do ip netns delete "$n" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cc -O2 -Wall -o "$work/holdconns" "$here/lib/holdconns.c"
# SOCKDOC_BIN: time an already built binary instead of bootstrapping one (the bootstrap builds Release once).
if [ -z "${SOCKDOC_BIN:-}" ]; then "$repo/sockdoc" --help >/dev/null; fi
sockdoc="${SOCKDOC_BIN:-$repo/.build/release/sockdoc}"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)   CPUs: $(nproc)   kernel: $(uname -r)"
for i in $(seq 1 "$count"); do
  n="sdk-nsbench-$$-$i"
  ip netns add "$n"; names+=("$n")
  ip -n "$n" link set lo up
  ip netns exec "$n" "$work/holdconns" "$conns" --hold 1800 --ready "$work/ready-$i" >"$work/hold-$i.log" 2>&1 &
  pids+=($!)
  # one namespace at a time: establishing connections is the slow part, and parallel fills only fight for the CPUs
  for _ in $(seq 1 3000); do
    [ -s "$work/ready-$i" ] && break
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$work/hold-$i.log" >&2; echo "holdconns failed in $n" >&2; exit 3; }
    sleep 0.1
  done
  [ -s "$work/ready-$i" ] || { echo "holdconns not ready in $n after 300 s" >&2; exit 3; }
done
total=0
for n in "${names[@]}"; do total=$((total + $(ip netns exec "$n" ss -Htan | wc -l))); done
echo "$count namespaces, $total sockets in them"

# exit 0-2 is success (the doctor exits 1 or 2 when it has findings); 3 or more is a failure.
# Each run prints "wall cpu": wall seconds and the CPU seconds (user + sys, children included) it cost. On a shared
# machine the wall ratio measures the share of the CPUs each command got; the CPU ratio is the work each one did.
wall() {
  local rc=0
  /usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >/dev/null 2>"$work/err" || rc=$?
  [ "$rc" -le 2 ] || { cat "$work/err" >&2; return 1; }
  awk '{printf "%s %.3f\n", $1, $2 + $3}' "$work/time"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# "median-wall median-cpu" over RUNS runs after one warm-up
timed() {
  wall "$@" >/dev/null
  for _ in $(seq 1 "$runs"); do wall "$@"; done >"$work/runs"
  echo "$(cut -d' ' -f1 "$work/runs" | median) $(cut -d' ' -f2 "$work/runs" | median)"
}
ssloop() { for n in "${names[@]}"; do ip netns exec "$n" ss -tan >/dev/null; done; }

read -r l lc <<<"$(timed bash -c "$(declare -p names); $(declare -f ssloop); ssloop")"
read -r a ac <<<"$(timed "$sockdoc" sockets --by container,state --json)"
read -r b bc <<<"$(timed "$sockdoc" doctor --all-namespaces --interval 0 --no-log --json)"
"$sockdoc" sockets --by container,state --json >"$work/census.json"
seen="$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(x["census"]["total_sockets"] for x in d if x["namespace"].get("netns_names") and x["namespace"]["netns_names"][0].startswith("sdk-nsbench-")))' "$work/census.json")"

printf '\n%-64s %10s %10s\n' "command ($count namespaces, $total sockets)" "wall s" "cpu s"
printf '%-64s %10.3f %10.3f\n' "L: for ns: ip netns exec ns ss -tan" "$l" "$lc"
printf '%-64s %10.3f %10.3f\n' "A: sockdoc sockets --by container,state --json" "$a" "$ac"
printf '%-64s %10.3f %10.3f\n' "B: sockdoc doctor --all-namespaces --interval 0 --no-log --json" "$b" "$bc"
printf '\nwall: A / L = %.3f (target <= 0.5)   B / L = %.3f (target <= 2)\n' "$(echo "$a / $l" | bc -l)" "$(echo "$b / $l" | bc -l)"
printf 'cpu:  A / L = %.3f                   B / L = %.3f\n' "$(echo "$ac / $lc" | bc -l)" "$(echo "$bc / $lc" | bc -l)"
printf 'census saw %s sockets in the bench namespaces (ss: %s)\n' "$seen" "$total"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
