#!/usr/bin/env bash
# The real control plane for integration tests: etcd + kube-apiserver (+ kube-controller-manager)
# built from pinned upstream Go modules, cached outside the repository, started on loopback.
#   cluster.sh build           build and cache the binaries (quick when cached)
#   cluster.sh up              start whatever is not running; waits for /readyz
#   cluster.sh down            stop everything and remove the state directory
#   cluster.sh status          what runs where
#   cluster.sh kill-apiserver  kill -9 the API server only (`up` brings it back)
#   cluster.sh compact         compact etcd to its current revision (prints it)
#   cluster.sh expire-watches  compact + restart the API server: old resourceVersions get 410 Gone
#   cluster.sh env             print the paths of the cached tools as shell assignments
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/plugin-sandbox"
STATE_DIR="${PS_CLUSTER_STATE_DIR:-$REPO/build/cluster}"

# shellcheck source=versions.sh
. "$HERE/versions.sh"
# shellcheck source=build.sh
. "$HERE/build.sh"
# shellcheck source=certs.sh
. "$HERE/certs.sh"
# shellcheck source=processes.sh
. "$HERE/processes.sh"
# shellcheck source=control_plane.sh
. "$HERE/control_plane.sh"

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

print_env() {
  echo "ETCD=$(etcd_bin)"
  echo "KUBE_APISERVER=$(kube_bin kube-apiserver)"
  echo "KUBE_CONTROLLER_MANAGER=$(kube_bin kube-controller-manager)"
  echo "KUBECTL=$(command -v kubectl || kube_bin kubectl)"
  echo "HELM=$CACHE_DIR/helm-$HELM_VERSION/bin/helm"
  echo "KUBECONFIG=$STATE_DIR/kubeconfig"
  if with_controller_manager; then echo "CONTROLLER_MANAGER=1"; else echo "CONTROLLER_MANAGER=0"; fi
}

# Test binaries may call `up` at the same moment: one caller at a time starts or builds anything.
take_lock() {
  mkdir -p "$(dirname "$1")"
  exec 9>"$1"
  flock 9
}

main() {
  case "${1:-}" in
    build | up | down) take_lock "$REPO/build/cluster.lock" ;;
  esac
  case "${1:-}" in
    build) build_all ;;
    up) cluster_up ;;
    down) cluster_down ;;
    status) cluster_status ;;
    kill-apiserver) kill_apiserver ;;
    compact) compact_etcd ;;
    expire-watches) take_lock "$REPO/build/cluster.lock"; expire_watches ;;
    env) print_env ;;
    *) usage ;;
  esac
}

main "$@"
