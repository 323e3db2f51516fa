#!/usr/bin/env bash
# Speed of `sockdoc explain --json FILE` on a large paste against `grep -c` over the same file, side by side, and
# sockdoc's time on a one-line paste (its start-up). No issue sets a target for explain's speed; this script is here to
# measure the per-line cost of the paste recognisers (each line that no format claims is tried against every errno's
# spellings and the statement patterns) before and after a change.
# Usage: bench/explain.sh [LINES]   (default 20000: a third prose, a third application errors, a third `ss` rows)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
lines="${1:-20000}"
runs="${RUNS:-3}"
file="/tmp/sockdoc-bench-explain-${lines}.txt"
one="/tmp/sockdoc-bench-explain-one.txt"
cleanup() { rm -f "$file" "$one"; }
trap cleanup EXIT

python3 - "$lines" "$file" <<'PY'
import sys
n, out = int(sys.argv[1]), sys.argv[2]
with open(out, "w") as f:
    for i in range(n):
        k = i % 3
        if k == 0:
            f.write(f"line {i}: the proxy was restarted after the deploy and the config was reloaded\n")
        elif k == 1:
            f.write(f"2024/01/01 00:{(i // 60) % 60:02d}:{i % 60:02d} [crit] 15#15: accept4() failed (24: Too many open files)\n")
        else:
            f.write(f"ESTAB 0 0 10.0.0.1:{1024 + i % 60000} 10.0.0.2:443\n")
PY
printf 'accept4() failed (24: Too many open files)\n' > "$one"
"$here/sockdoc" --help >/dev/null            # build once, outside the timing

now() { date +%s.%N; }
best() { sort -g | head -1; }
grep_times=(); sd_times=(); one_times=()
for _ in $(seq "$runs"); do
  t0=$(now); LC_ALL=C grep -c 'Too many open files' "$file" >/dev/null || true; t1=$(now)
  grep_times+=("$(echo "$t1 - $t0" | bc -l)")
  t0=$(now); "$here/sockdoc" explain --json "$file" >/dev/null || true; t1=$(now)
  sd_times+=("$(echo "$t1 - $t0" | bc -l)")
  t0=$(now); "$here/sockdoc" explain --json "$one" >/dev/null || true; t1=$(now)
  one_times+=("$(echo "$t1 - $t0" | bc -l)")
done
g=$(printf '%s\n' "${grep_times[@]}" | best)
s=$(printf '%s\n' "${sd_times[@]}" | best)
o=$(printf '%s\n' "${one_times[@]}" | best)
echo "paste: $lines lines, best of $runs runs"
echo "grep -c               : ${g}s"
echo "sockdoc explain --json: ${s}s  ($(echo "scale=0; $lines / $s" | bc -l) lines/s)"
echo "sockdoc explain, one line: ${o}s (start-up)"
echo "per-line cost above start-up: $(echo "scale=3; ($s - $o) * 1000 / $lines" | bc -l) ms"
echo "time ratio sockdoc/grep: $(echo "scale=0; $s / $g" | bc -l)"
