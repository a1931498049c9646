# shellcheck shell=bash
# The node's own images, built here with no registry: the pause image (tests/cluster/pause) that every
# Pod sandbox runs, and the probe image (tests/cluster/probe) the node tests' Pods run. Each is one
# static C binary in a `FROM scratch` image, saved as a docker-archive under the cache, keyed by the
# hash of its sources (a change rebuilds it, nothing else does). Sourced by cluster.sh.

node_image_key() {
  cat "$HERE/$1/$1.c" "$HERE/$1/Containerfile" | sha256sum | cut -c1-12
}

pause_image() { echo "localhost/plugin-sandbox/pause:$(node_image_key pause)"; }
probe_image() { echo "localhost/plugin-sandbox/node-probe:$(node_image_key probe)"; }
node_image_archive() { echo "$CACHE_DIR/node-images/$1-$(node_image_key "$1").tar"; }

# build_node_image NAME REF: gcc -static, podman build FROM scratch, podman save; the image is removed
# from podman's store again (the archive is what the node imports).
build_node_image() {
  local name="$1" ref="$2" archive context
  archive=$(node_image_archive "$name")
  [ -s "$archive" ] && return 0
  command -v podman >/dev/null || { echo "node: podman is needed to build the $name image (apt-get install podman)" >&2; return 1; }
  mkdir -p "$(dirname "$archive")"
  context=$(mktemp -d "$CACHE_DIR/node-images/context.XXXXXX")
  gcc -static -O2 -Wall -Wextra -Werror -o "$context/$name" "$HERE/$name/$name.c"
  cp "$HERE/$name/Containerfile" "$context/"
  podman build --runtime runc -q -t "$ref" "$context" >/dev/null
  podman save --format docker-archive -o "$archive.part" "$ref" >/dev/null
  podman rmi "$ref" >/dev/null 2>&1 || true
  rm -rf "$context"
  mv "$archive.part" "$archive"
  log_step "built image $ref ($archive)"
}

build_node_images() {
  build_node_image pause "$(pause_image)"
  build_node_image probe "$(probe_image)"
}
