#!/usr/bin/env bash
# `make images`: builds the controller and the sandbox image with no registry, writes each as a
# docker-archive (docker save format: manifest.json with its repo:tag, the config, one tar per
# layer) that `kind load image-archive`, `ctr images import`, `docker load` and `minikube image
# load` all take, and prints each image's ID and archive digest.
# Usage: deploy/images/make-images.sh [BUILD_DIR]   (default build/; archives in BUILD_DIR/images/)
# Environment: ENGINE=podman|docker, CONTROLLER_IMAGE=<ref>, SANDBOX_IMAGE=<ref>,
#   ONLY=sandbox (the sandbox image and its archive only: the container tests' Docker half).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build_dir=$(cd "${1:-$root/build}" && pwd)
controller_image=${CONTROLLER_IMAGE:-localhost/plugin-sandbox/controller:dev}
sandbox_image=${SANDBOX_IMAGE:-localhost/plugin-sandbox/sandbox:dev}
out="$build_dir/images"
IMAGES_LOG_PREFIX=images
# shellcheck source=engine.sh
. "$here/engine.sh"

timed() {
  local start=$SECONDS
  "$@"
  images_say "$(basename "$1") took $((SECONDS - start)) s"
}

# Writes the archive only when the image changed: NAME.tar beside NAME.id (the image ID it holds).
# Written to a temporary name first, so a reader never sees half an archive.
save_archive() {
  local ref=$1 name=$2 id
  id=$(image_id "$ref")
  if [ -s "$out/$name.tar" ] && [ "$(cat "$out/$name.id" 2>/dev/null)" = "$id" ]; then return; fi
  rm -f "$out/$name.tar.part"
  if [ "$engine" = podman ]; then
    podman save --format docker-archive -o "$out/$name.tar.part" "$ref" >/dev/null
  else
    docker save -o "$out/$name.tar.part" "$ref"
  fi
  mv "$out/$name.tar.part" "$out/$name.tar"
  echo "$id" >"$out/$name.id"
}

# One line per image: what a user pins or compares (the image ID is the config digest, unchanged by
# docker load / ctr import; the archive digest identifies the file that was shipped).
report() {
  local ref=$1 name=$2 size
  size=$(du -m "$out/$name.tar" | cut -f1)
  printf '%-42s image %s\n%-42s archive %s  sha256:%s  %s MiB\n' "$ref" "$(cat "$out/$name.id")" \
    "" "$out/$name.tar" "$(sha256sum "$out/$name.tar" | cut -d' ' -f1)" "$size"
}

mkdir -p "$out"
if [ "${ONLY:-}" != sandbox ]; then
  IMAGE=$controller_image timed "$here/build-controller.sh" "$build_dir"
  save_archive "$controller_image" controller
  report "$controller_image" controller
fi
IMAGE=$sandbox_image timed "$root/sandbox-image/build.sh" "$build_dir" >&2
save_archive "$sandbox_image" sandbox
report "$sandbox_image" sandbox
