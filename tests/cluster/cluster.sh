#!/usr/bin/env bash
# The real control plane for integration tests: etcd + kube-apiserver (+ kube-controller-manager)
# built from pinned upstream Go modules, cached outside the repository, started on loopback; with
# NODE=1 also kube-scheduler and a real node (kubelet, containerd, CNI, kube-proxy, NetworkPolicy)
# in a network namespace of its own (node.sh).
#   cluster.sh build           build and cache the binaries (quick when cached)
#   cluster.sh up              start whatever is not running; waits for /readyz (NODE=1: node Ready)
#   cluster.sh down            stop everything (the node too) and remove the state directory
#   cluster.sh status          what runs where
#   cluster.sh import-images [ARCHIVE...]  image archives into the running node (build/images/*.tar)
#   cluster.sh node-exec CMD...  run CMD inside the node's network and mount namespaces
#   cluster.sh kill-apiserver  kill -9 the API server only (`up` brings it back)
#   cluster.sh kill-etcd       kill -9 etcd only (`up` brings it back; the API server reconnects)
#   cluster.sh compact         compact etcd to its current revision (prints it)
#   cluster.sh expire-watches  compact + restart the API server: old resourceVersions get 410 Gone
#   cluster.sh reissue-apiserver-cert  new serving certificate by the same CA, API server restarted
#   cluster.sh restart-apiserver  TERM the API server and `up` again (PS_APISERVER_EXTRA_ARGS apply)
#   cluster.sh user-kubeconfig NAME  a kubeconfig for user NAME (no group; grant it rights by RBAC)
#   cluster.sh env             print the paths of the cached tools as shell assignments
# PS_APISERVER_EXTRA_ARGS: extra kube-apiserver flags (word-split), used when `up` starts it.
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
# shellcheck source=node_images.sh
. "$HERE/node_images.sh"
# shellcheck source=node_config.sh
. "$HERE/node_config.sh"
# shellcheck source=node.sh
. "$HERE/node.sh"

usage() {
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

print_env() {
  echo "ETCD=$(etcd_bin)"
  echo "KUBE_APISERVER=$(kube_bin kube-apiserver)"
  echo "KUBE_CONTROLLER_MANAGER=$(kube_bin kube-controller-manager)"
  echo "KUBECTL=$(command -v kubectl || kube_bin kubectl)"
  echo "HELM=$CACHE_DIR/helm-$HELM_VERSION/bin/helm"
  echo "STATUS_READERS=$(status_readers_bin)"
  echo "KUBECONFIG=$STATE_DIR/kubeconfig"
  if with_controller_manager; then echo "CONTROLLER_MANAGER=1"; else echo "CONTROLLER_MANAGER=0"; fi
  if node_running holder 2>/dev/null; then echo "NODE=1"; else echo "NODE=0"; fi
  echo "NODE_NAME=$NODE_NAME"
  echo "NODE_IP=$NODE_IP"
  echo "NODE_POD_CIDR=$POD_CIDR"
  echo "NODE_STATE=$(node_dir)"
  echo "NODE_LOCK=$NODE_LOCK"
  echo "NODE_PAUSE_IMAGE=$(pause_image)"
  echo "NODE_PROBE_IMAGE=$(probe_image)"
  echo "NODE_PROBE_ARCHIVE=$(node_image_archive probe)"
}

# Test binaries may call `up` at the same moment: one caller at a time starts or builds anything.
take_lock() {
  mkdir -p "$(dirname "$1")"
  exec 9>"$1"
  flock 9
}

main() {
  case "${1:-}" in
    build | up | down | import-images) take_lock "$REPO/build/cluster.lock" ;;
  esac
  case "${1:-}" in
    build) build_all ;;
    up) cluster_up ;;
    down) cluster_down ;;
    status) cluster_status ;;
    kill-apiserver) kill_apiserver ;;
    kill-etcd) kill_etcd ;;
    compact) compact_etcd ;;
    expire-watches) take_lock "$REPO/build/cluster.lock"; expire_watches ;;
    reissue-apiserver-cert) take_lock "$REPO/build/cluster.lock"; reissue_apiserver_cert ;;
    restart-apiserver) take_lock "$REPO/build/cluster.lock"; restart_apiserver ;;
    user-kubeconfig) shift; take_lock "$REPO/build/cluster.lock"; user_kubeconfig "$@" ;;
    env) print_env ;;
    import-images) shift; load_ports; node_import_images "$@" ;;
    node-exec) shift; node_exec "$@" ;;
    *) usage ;;
  esac
}

main "$@"
