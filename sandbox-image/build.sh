#!/usr/bin/env bash
# Builds the sandbox image (default localhost/plugin-sandbox/sandbox:dev) without any registry:
#   1. a minimal Debian base made with debootstrap from the configured Debian archive, imported into the
#      engine and cached as a tarball under ${XDG_CACHE_HOME:-$HOME/.cache}/plugin-sandbox/, keyed by suite
#      and the archive's Release date (a new archive snapshot makes a new base, a rebuild reuses it);
#   2. sandbox-image/Dockerfile built on that base with the launcher built by CMake in BUILD_DIR.
# Usage: sandbox-image/build.sh [BUILD_DIR]   (BUILD_DIR defaults to build/; it must hold bin/plugin-launcher)
# Environment: ENGINE=podman|docker, IMAGE=<ref>, SUITE=bookworm, BASE_ONLY=1 (stop after the base).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build_dir=$(cd "${1:-$root/build}" 2>/dev/null && pwd || echo "${1:-$root/build}")
image=${IMAGE:-localhost/plugin-sandbox/sandbox:dev}
suite=${SUITE:-bookworm}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/plugin-sandbox

IMAGES_LOG_PREFIX=sandbox-image
# Engine choice, build settings and OCI labels shared with the controller image.
# shellcheck source=../deploy/images/engine.sh
. "$root/deploy/images/engine.sh"
say() { images_say "$@"; }

# The first Debian archive apt is configured with (deb822 .sources or one-line .list).
debian_mirror() {
  local uri
  uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1)
  [ -z "$uri" ] && uri=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
    awk '{print $2}' | grep -v security | head -n1)
  echo "${uri:-http://deb.debian.org/debian}"
}

# Key: the archive's Release date as apt last saw it (stable across rebuilds), else today.
base_key() {
  local release date
  release=$(ls /var/lib/apt/lists/*_dists_"${suite}"_InRelease 2>/dev/null | head -n1 || true)
  if [ -n "$release" ]; then
    date=$(date -u -d "$(sed -n 's/^Date: //p' "$release" | head -n1)" +%Y%m%d 2>/dev/null || true)
  fi
  echo "${suite}-${date:-$(date -u +%Y%m%d)}"
}

ensure_base() {
  local key tarball rootfs
  key=$(base_key)
  base_image="localhost/plugin-sandbox/base:$key"
  tarball="$cache/base-$key.tar"
  if image_exists "$base_image"; then say "base $base_image present"; return; fi
  if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null || { say "debootstrap missing (apt-get install debootstrap)"; exit 126; }
    mkdir -p "$cache"
    rootfs=$(mktemp -d "$cache/rootfs.XXXXXX")
    trap 'rm -rf "$rootfs"' EXIT
    say "debootstrap $suite from $(debian_mirror) (once per archive snapshot)"
    debootstrap --variant=minbase --include=python3 "$suite" "$rootfs" "$(debian_mirror)" >"$cache/debootstrap.log" 2>&1 ||
      { say "debootstrap failed, see $cache/debootstrap.log"; exit 126; }
    tar --numeric-owner -C "$rootfs" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
    rm -rf "$rootfs"
    trap - EXIT
  fi
  say "importing $tarball as $base_image"
  "$engine" import "$tarball" "$base_image" >/dev/null
}

ensure_base
[ "${BASE_ONLY:-0}" = 1 ] && exit 0

launcher="$build_dir/bin/plugin-launcher"
[ -x "$launcher" ] || { say "$launcher missing: build the plugin-launcher target first"; exit 126; }

# The context is a scratch copy: the Dockerfile and the launcher, nothing of the repository.
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp "$here/Dockerfile" "$here/collect-runtime.sh" "$context/"
# Debug info stays on the host (a debug build's launcher is mostly that).
if command -v strip >/dev/null; then
  strip --strip-unneeded -o "$context/plugin-launcher" "$launcher"
else
  cp "$launcher" "$context/plugin-launcher"
fi

say "building $image with $engine on $base_image"
# The label lets tests (and people) tell which launcher build an image holds.
launcher_digest=sha256:$(sha256sum "$launcher" | cut -d' ' -f1)
mapfile -t labels < <(oci_label_args "$root")
build_args=(--build-arg "BASE_IMAGE=$base_image" -t "$image" -f "$context/Dockerfile" "${labels[@]}"
  --label "dev.plugins.sandbox.launcher-digest=$launcher_digest")
# Commit time as creation time and file timestamps: the same inputs give the same image ID.
[ "$engine" = podman ] && build_args+=(--timestamp "$(source_date_epoch "$root")" --identity-label=false)
engine_build "${build_args[@]}" "$context"
