#!/usr/bin/env bash
# Benchmark (issue 2): `sockdoc doctor --interval 0` wall time against `ss -tan > /dev/null`, both on the same
# 200,000 established loopback connections (400,000 sockets, held by bench/lib/holdconns.c in several processes
# because the hard open-file limit is 20,000). Prints the ratio; the target is at most 2.
# Usage: bench/doctor.sh [CONNECTIONS] [RUNS]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-200000}"; runs="${2:-5}"
work="$(mktemp -d)"; holder=""; trap '[ -n "$holder" ] && { kill -- -"$holder" 2>/dev/null || kill "$holder" 2>/dev/null || true; }; rm -rf "$work"' EXIT
cc -O2 -o "$work/holdconns" "$here/bench/lib/holdconns.c"
"$here/sockdoc" --help >/dev/null   # build once, outside the timing
sockdoc="$here/.build/release/sockdoc"  # then time the binary itself, never a rebuild

setsid "$work/holdconns" "$n" --hold 600 --ready "$work/ready" >"$work/hold.log" 2>&1 &
holder=$!
for _ in $(seq 1 600); do [ -s "$work/ready" ] && break; sleep 1; done
[ -s "$work/ready" ] || { echo "connections were not established"; cat "$work/hold.log"; exit 1; }
echo "holding: $(cat "$work/ready"); $(grep TCP: /proc/net/sockstat)"

now() { date +%s.%N; }
best() { sort -g | head -n 1; }
ss_times=(); doc_times=()
for _ in $(seq 1 "$runs"); do
  t0=$(now); ss -tan > /dev/null; t1=$(now); ss_times+=("$(echo "$t1 - $t0" | bc -l)")
  t0=$(now); "$sockdoc" doctor --interval 0 > /dev/null || true; t1=$(now); doc_times+=("$(echo "$t1 - $t0" | bc -l)")
done
ss_best=$(printf '%s\n' "${ss_times[@]}" | best)
doc_best=$(printf '%s\n' "${doc_times[@]}" | best)
printf 'ss -tan            best of %d: %.3f s\n' "$runs" "$ss_best"
printf 'sockdoc doctor -i0 best of %d: %.3f s\n' "$runs" "$doc_best"
printf 'ratio doctor / ss -tan: %.2f (target <= 2)\n' "$(echo "$doc_best / $ss_best" | bc -l)"
