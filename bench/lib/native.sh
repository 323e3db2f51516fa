# Sourced by the bench scripts: prints the path of a native binary, SOCKDOC_NATIVE when set, else one that
# scripts/dist builds now into a temporary folder.
native_binary() {
  if [ -n "${SOCKDOC_NATIVE:-}" ]; then echo "$SOCKDOC_NATIVE"; return; fi
  local out
  out="$(mktemp -d /tmp/sockdoc-bench-native.XXXXXX)"
  "$(dirname "${BASH_SOURCE[0]}")/../../scripts/dist" --arch x64 --out "$out" >/dev/null
  echo "$out/sockdoc-linux-x64"
}
