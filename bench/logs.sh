#!/usr/bin/env bash
# Throughput of `sockdoc logs --json FILE` against `grep -c 'TCP:' FILE` on the same generated syslog file,
# side by side (page cache warm for both), and sockdoc's peak RSS. Target: ratio >= 0.5, memory flat.
# Usage: bench/logs.sh [SIZE_MB]   (default 1024; the file goes to /tmp and is removed at the end
# unless KEEP=1)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
size_mb="${1:-1024}"
file="/tmp/sockdoc-bench-logs-${size_mb}m.log"
runs="${RUNS:-3}"
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -f "$file"; }
trap cleanup EXIT

if [ ! -f "$file" ] || [ "$(stat -c %s "$file")" -lt $(( size_mb * 1024 * 1024 - 4096 )) ]; then
  python3 "$here/bench/lib/genlog.py" --size-mb "$size_mb" --out "$file"
fi
bytes=$(stat -c %s "$file")
"$here/sockdoc" --help >/dev/null            # build once, outside the timing
cat "$file" >/dev/null                      # warm the page cache for both

now() { date +%s.%N; }
best() { sort -g | head -1; }

grep_times=(); sd_times=(); sd_rss=()
for _ in $(seq "$runs"); do
  t0=$(now); grep_count=$(LC_ALL=C grep -c 'TCP:' "$file" || true); t1=$(now)
  grep_times+=("$(echo "$t1 - $t0" | bc -l)")
  t0=$(now)
  /usr/bin/time -f '%M' -o /tmp/sockdoc-bench-logs.rss "$here/sockdoc" logs --json "$file" >/tmp/sockdoc-bench-logs.json
  t1=$(now)
  sd_times+=("$(echo "$t1 - $t0" | bc -l)")
  sd_rss+=("$(tail -1 /tmp/sockdoc-bench-logs.rss)")
done
g=$(printf '%s\n' "${grep_times[@]}" | best)
s=$(printf '%s\n' "${sd_times[@]}" | best)
rss_kb=$(printf '%s\n' "${sd_rss[@]}" | sort -n | tail -1)
incidents=$(python3 -c 'import json;d=json.load(open("/tmp/sockdoc-bench-logs.json"));print(sum(i["count"] for i in d["incidents"]), "incidents in", d["lines_read"], "lines,", d["lines_skipped"], "skipped")')
rm -f /tmp/sockdoc-bench-logs.json /tmp/sockdoc-bench-logs.rss

# Memory must not grow with the input: the same run on the first 64 MiB of the file.
small=/tmp/sockdoc-bench-logs-small.log
head -c $(( 64 * 1024 * 1024 )) "$file" > "$small"
/usr/bin/time -f '%M' -o /tmp/sockdoc-bench-logs.rss "$here/sockdoc" logs --json "$small" >/dev/null
small_rss_kb=$(tail -1 /tmp/sockdoc-bench-logs.rss)
rm -f "$small" /tmp/sockdoc-bench-logs.rss

mbps() { echo "scale=1; $bytes / 1048576 / $1" | bc -l; }
echo "file: $file ($(( bytes / 1048576 )) MiB), best of $runs runs, page cache warm"
echo "grep -c 'TCP:'        : ${g}s  ($(mbps "$g") MiB/s, $grep_count matching lines)"
echo "sockdoc logs --json   : ${s}s  ($(mbps "$s") MiB/s, $incidents)"
echo "throughput ratio sockdoc/grep: $(echo "scale=2; $g / $s" | bc -l)  (target >= 0.5)"
echo "sockdoc peak RSS: $(( rss_kb / 1024 )) MiB on $(( bytes / 1048576 )) MiB of input, $(( small_rss_kb / 1024 )) MiB on 64 MiB (/usr/bin/time %M)"
