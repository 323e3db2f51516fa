#!/usr/bin/env bash
# Builds the SockDoc image with podman from the native binary (scripts/dist) on `FROM scratch`, with no registry.
#   deploy/container/build.sh [--binary PATH] [--tag sockdoc:dev]
# Needs podman and runc (Debian packages). The binary's shared libraries (glibc loader, libc, libm) are copied
# from this machine, the same ones it was linked against.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bin=""; tag="localhost/sockdoc:dev"
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) bin="$2"; shift 2 ;;
    --tag) tag="$2"; shift 2 ;;
    *) echo "build.sh: unknown argument '$1' (expected --binary PATH, --tag NAME)" >&2; exit 3 ;;
  esac
done
ctx="$(mktemp -d /tmp/sockdoc-image.XXXXXX)"
trap 'rm -rf "$ctx"' EXIT
if [ -z "$bin" ]; then "$repo/scripts/dist" --arch x64 --out "$ctx/dist" >/dev/null; bin="$ctx/dist/sockdoc-linux-x64"; fi
mkdir -p "$ctx/rootfs/usr/local/bin" "$ctx/rootfs/tmp"
install -m 0755 "$bin" "$ctx/rootfs/usr/local/bin/sockdoc"
# Every library ldd names, at the path the binary asks for (the loader by its absolute path).
ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | while read -r lib; do
  mkdir -p "$ctx/rootfs$(dirname "$lib")"
  cp -L "$lib" "$ctx/rootfs$lib"
done
cp "$here/Containerfile" "$ctx/Containerfile"
export CONTAINERS_CONF="$here/containers.conf"
podman build --runtime runc --network none -f "$ctx/Containerfile" -t "$tag" "$ctx" >&2
echo "$tag"
