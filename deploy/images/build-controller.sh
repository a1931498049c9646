#!/usr/bin/env bash
# Builds the controller image (default localhost/plugin-sandbox/controller:dev) with no registry and
# no base image: the context's rootfs/ holds plugin-controller from BUILD_DIR (stripped) and the
# shared libraries that ldd resolves for it on this host (the ones it was built and tested against),
# each under its real path with Debian's merged-/usr links, and the dynamic loader.
# Usage: deploy/images/build-controller.sh [BUILD_DIR]   (default build/; needs bin/plugin-controller)
# Environment: ENGINE=podman|docker, IMAGE=<ref>.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build_dir=${1:-$root/build}
image=${IMAGE:-localhost/plugin-sandbox/controller:dev}
IMAGES_LOG_PREFIX=controller-image
# shellcheck source=engine.sh
. "$here/engine.sh"

binary="$build_dir/bin/plugin-controller"
[ -x "$binary" ] || { images_say "$binary missing: build the plugin-controller target first"; exit 126; }

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
stage="$context/rootfs"
mkdir -p "$stage"

# Debian merges /usr: /lib and /lib64 are links into /usr. Recreate the links, then copy each file
# under its real directory (cp --parents would otherwise turn such a link into a directory).
for link in /lib /lib64; do [ -L "$link" ] && cp -a "$link" "$stage$link"; done
# From / with relative paths: coreutils 9.1's `cp --parents` fails on an absolute source elsewhere.
copy_file() {
  local path=$1 real
  real=$(readlink -f "$(dirname "$path")")/$(basename "$path")
  (cd / && cp -a --parents "${real#/}" "$stage/")
  # A soname link (libfoo.so.1 -> libfoo.so.1.2.3): its target too.
  if [ -L "$path" ]; then real=$(readlink -f "$path") && (cd / && cp -a --parents "${real#/}" "$stage/"); fi
}

if ldd "$binary" | grep -q 'not found'; then
  images_say "plugin-controller links a library missing on this host:"
  ldd "$binary" >&2
  exit 1
fi
# `=> /path` lines are libraries, the `/lib64/ld-linux...` line is the loader; the vdso has no file.
ldd "$binary" | awk '/=> \// {print $3} /^\t\/.*ld-linux/ {print $1}' | sort -u |
  while read -r lib; do copy_file "$lib"; done

# Debug info stays on the host (most of a RelWithDebInfo binary is that).
install -d "$stage/usr/local/bin"
strip --strip-unneeded -o "$stage/usr/local/bin/plugin-controller" "$binary"
chmod 0755 "$stage/usr/local/bin/plugin-controller"
# Mount points only: /tmp (the chart's emptyDir) and the service account's token directory's parents.
mkdir -p "$stage/tmp" "$stage/var/run/secrets" "$stage/etc"
chmod 1777 "$stage/tmp"
cp "$here/controller.Dockerfile" "$context/Dockerfile"

mapfile -t labels < <(oci_label_args "$root")
# The label lets tests (and people) tell which controller build an image holds.
binary_digest=sha256:$(sha256sum "$binary" | cut -d' ' -f1)
build_args=(-t "$image" -f "$context/Dockerfile" "${labels[@]}"
  --label "dev.plugins.sandbox.controller-digest=$binary_digest")
if [ "$engine" = podman ]; then
  build_args+=(--timestamp "$(source_date_epoch "$root")" --identity-label=false)
fi
images_say "building $image with $engine ($(du -sh "$stage" | cut -f1) of files)"
engine_build "${build_args[@]}" "$context" >&2
