# Sourced by the bench scripts: prints the path of a native binary, SOCKDOC_NATIVE when set, else one that
# scripts/dist builds now into a temporary folder.
native_binary() {
  if [ -n "${SOCKDOC_NATIVE:-}" ]; then echo "$SOCKDOC_NATIVE"; return; fi
  local out
  out="$(mktemp -d /tmp/sockdoc-bench-native.XXXXXX)"
  "$(dirname "${BASH_SOURCE[0]}")/../../scripts/dist" --arch x64 --out "$out" >/dev/null
  echo "$out/sockdoc-linux-x64"
}

# Removes the temporary folder native_binary built BIN into; a SOCKDOC_NATIVE binary is the caller's and stays.
native_cleanup() {
  case "${1:-}" in /tmp/sockdoc-bench-native.*/sockdoc-linux-x64) rm -rf "$(dirname "$1")" ;; esac
}
