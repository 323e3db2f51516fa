#!/usr/bin/env bash
# Accuracy of `sockdoc explain` over a directory of pastes (NAME.txt + NAME.expected), the same rule as CorpusTests:
# right when every expected id is a finding, or, for "none", when there is no finding at all.
# Usage: bench/explain-accuracy.sh DIR [SOCKDOC...]   (default SOCKDOC: ./sockdoc)
set -uo pipefail
dir="$1"; shift
cmd=("$@"); [ ${#cmd[@]} -eq 0 ] && cmd=(./sockdoc)
right=0; total=0
for f in "$dir"/*.txt; do
  exp="$(tr '\n' ' ' < "${f%.txt}.expected")"
  found="$("${cmd[@]}" explain --json "$f" 2>/dev/null | python3 -c '
import json,sys
try: d=json.load(sys.stdin)
except Exception: print("ERROR"); sys.exit()
print(" ".join(sorted({x["id"] for x in d["report"]["findings"]})) or "none")')"
  ok=1
  if [ "$exp" = "none " ]; then [ "$found" = "none" ] || ok=0
  else for id in $exp; do [[ " $found " == *" $id "* ]] || ok=0; done; fi
  total=$((total+1)); [ $ok = 1 ] && right=$((right+1))
  printf '%s %s: expected %s found %s\n' "$([ $ok = 1 ] && echo 'ok  ' || echo 'MISS')" "$(basename "$f")" "$exp" "$found"
done
python3 -c "print(f'accuracy {$right}/{$total} = {100*$right/$total:.1f} %')"
