#!/usr/bin/env bash
# Start-up time and size of the NativeAOT binary (scripts/dist) against the ReadyToRun build that ./sockdoc
# bootstraps (framework-dependent: it needs the .NET runtime on the machine). Start-up is the wall time of
# `doctor --interval 0 --no-log` on this host (one sample: readers, census, rules, render), N runs each,
# interleaved so both see the same load; medians and the ratio are printed.
#   bench/startup.sh [N]         SOCKDOC_NATIVE=path to use an existing native binary (else scripts/dist)
set -euo pipefail
n="${1:-20}"
here="$(cd "$(dirname "$0")/.." && pwd)"
. "$here/bench/lib/native.sh"
native="$(native_binary)"
trap 'native_cleanup "$native"' EXIT
r2r="${SOCKDOC_R2R:-}"                       # SOCKDOC_R2R=path to use an existing ReadyToRun build
if [ -z "$r2r" ]; then "$here/sockdoc" --help >/dev/null; r2r="$here/.build/release/sockdoc"; fi   # built when stale
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
: >"/tmp/startup-native.$$"; : >"/tmp/startup-r2r.$$"
ms "$native" doctor --interval 0 --no-log >/dev/null; ms "$r2r" doctor --interval 0 --no-log >/dev/null   # warm the page cache
for _ in $(seq "$n"); do
  ms "$native" doctor --interval 0 --no-log >>"/tmp/startup-native.$$"
  ms "$r2r" doctor --interval 0 --no-log >>"/tmp/startup-r2r.$$"
done
a=$(median <"/tmp/startup-native.$$"); b=$(median <"/tmp/startup-r2r.$$"); rm -f "/tmp/startup-native.$$" "/tmp/startup-r2r.$$"
fx="$(dirname "$(readlink -f "$(command -v dotnet)")")/shared/Microsoft.NETCore.App"
runtime=$(du -sb "$fx/$(ls "$fx" | sort -V | tail -1)" | cut -f1)
echo "doctor --interval 0 --no-log, median of $n runs on this host:"
printf '  %-34s %6s ms   %s\n' "native (NativeAOT, one file)" "$a" "$(stat -c %s "$native") bytes"
printf '  %-34s %6s ms   %s\n' "ReadyToRun (./sockdoc)" "$b" "$(du -sb "$(dirname "$r2r")" | cut -f1) bytes + .NET runtime $runtime bytes"
awk -v a="$a" -v b="$b" 'BEGIN {printf "start-up ratio native/ReadyToRun: %.2f\n", a/b}'
