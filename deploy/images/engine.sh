# shellcheck shell=bash
# The container engine the image builds use, and what every build shares. Sourced by
# sandbox-image/build.sh, deploy/images/build-controller.sh and deploy/images/make-images.sh.
#   engine               podman or docker (ENGINE=... forces one)
#   engine_build ARGS    `build` with the settings this kind of host needs
#   image_exists REF, image_id REF, image_label REF NAME
#   oci_label_args       --label arguments for the OCI annotations (source, revision, version)

images_say() { echo "${IMAGES_LOG_PREFIX:-images}: $*" >&2; }

# Podman first: it needs no daemon. Docker only when its daemon answers.
pick_engine() {
  if [ -n "${ENGINE:-}" ]; then echo "$ENGINE"; return; fi
  if command -v podman >/dev/null; then echo podman; return; fi
  if command -v docker >/dev/null && docker info >/dev/null 2>&1; then echo docker; return; fi
  images_say "no container engine: install podman (apt-get install podman runc) or start docker"
  exit 126
}
engine=$(pick_engine)

image_exists() {
  if [ "$engine" = podman ]; then podman image exists "$1"; else docker image inspect "$1" >/dev/null 2>&1; fi
}

# The image ID: the digest of its config (sha256:...), the same after docker load or ctr import.
image_id() {
  local id
  id=$("$engine" image inspect --format '{{.Id}}' "$1")
  case "$id" in sha256:*) echo "$id" ;; *) echo "sha256:$id" ;; esac
}

image_label() {
  "$engine" image inspect --format "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true
}

# Podman's default runtime crun refuses hybrid cgroup v1/v2 layouts (runc works everywhere we run),
# and without explicit ulimits it asks for more than the host's hard limits and fails. Every build
# runs with no network: nothing is fetched while building.
engine_build() {
  if [ "$engine" = podman ]; then
    podman build --runtime runc --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 --network none "$@"
  else
    docker build --network none "$@"
  fi
}

# OCI annotations (image-spec annotations.md) as labels. source: the origin remote, or IMAGE_SOURCE;
# revision: the commit, `-dirty` when the build inputs differ from it; version: the CMake project's.
oci_label_args() {
  local root=$1 source revision version
  source=${IMAGE_SOURCE:-$(git -C "$root" remote get-url origin 2>/dev/null || echo plugin-sandbox)}
  revision=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
  if [ "$revision" != unknown ] &&
    [ -n "$(git -C "$root" status --porcelain -- controller sandbox-image deploy/images CMakeLists.txt 2>/dev/null)" ]; then
    revision="$revision-dirty"
  fi
  version=$(sed -n 's/^project([a-z_]* VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
  printf -- '--label\n%s\n' "org.opencontainers.image.source=$source" \
    "org.opencontainers.image.revision=$revision" "org.opencontainers.image.version=${version:-0.0.0}"
}

# Commit time as the image's creation time and every file's timestamp: the same commit and the
# same binaries give the same image ID (a warm rebuild changes nothing downstream).
source_date_epoch() {
  git -C "$1" log -1 --format=%ct 2>/dev/null || echo 0
}
