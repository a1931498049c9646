# shellcheck shell=bash
# The test node: kubelet, containerd + runc, Debian's CNI plugins, kube-proxy and NetworkPolicy
# enforcement (kube-router's firewall), all inside a network + mount namespace of its own, so that
# nothing on the host's network changes. Sourced by cluster.sh (up with NODE=1, down, status, import-images, ...).
#
# How traffic flows (no host-side veth, route or rule):
#   host clients -> kube-apiserver on 127.0.0.1:$APISERVER_PORT (as without a node)
#   kubelet, kube-proxy, kube-router (in the node) -> 127.0.0.1:$APISERVER_PORT inside the node ->
#       socat -> Unix socket node/apiserver.sock -> socat on the host -> the API server
#   Pods -> `kubernetes` Service 10.0.0.1:443 -> kube-proxy DNAT -> $NODE_IP:$APISERVER_PORT (the
#       advertised address, the same in-node forwarder)
#   the API server -> kubelet and Pods (logs, exec, proxy) -> egress selector -> HTTP CONNECT over
#       node/egress.sock -> node_egress_proxy.py inside the node -> $NODE_IP:10250 or a Pod
# One node per machine (fixed cgroup root, host-wide sysctls): a lock file names its owner.

NODE_NAME=plugin-sandbox-node
NODE_IP=10.203.0.1
POD_CIDR=10.203.0.0/24
KUBELET_PORT=10250
NODE_CGROUP=plugin-sandbox-node
NODE_LOCK=${PS_NODE_LOCK:-/run/lock/plugin-sandbox-node.lock}
NODE_SAVED_SYSCTLS=${NODE_LOCK%.lock}.sysctls
# What kubelet's container manager sets host-wide at start (setupKernelTunables); restored after the
# node is Ready and again by `down`. Everything else the node changes is per network namespace.
KERNEL_SYSCTLS="vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes"
NODE_PACKAGES="containerd runc containernetworking-plugins iptables nftables conntrack ipset socat"

node_dir() { echo "$STATE_DIR/node"; }
node_kubectl() { "$(kubectl_bin)" --kubeconfig="$STATE_DIR/kubeconfig" "$@"; }
kubectl_bin() { command -v kubectl || kube_bin kubectl; }

# --- processes -------------------------------------------------------------------------------------
# Every node process carries PS_NODE_DIR=<its node dir> in its environment (containerd hands it on to
# its shims), which is how `down` finds them all, even after a crash lost the pid files.

# node_spawn NAME host|node COMMAND...: detached, logged to node/NAME.log; `node` runs it inside the
# node's namespaces. The lock descriptor (7) stays with the namespace holder only.
node_spawn() {
  local name="$1" where="$2" nd prefix=()
  shift 2
  nd=$(node_dir)
  [ "$where" = node ] && prefix=(nsenter -t "$(cat "$nd/holder.pid")" -n -m --)
  echo "--- $(date -u +%FT%TZ) starting $name" >>"$nd/$name.log"
  PS_NODE_DIR="$nd" setsid nohup "${prefix[@]}" "$@" >>"$nd/$name.log" 2>&1 </dev/null 7>&- 8>&- 9>&- &
  echo $! >"$nd/$name.pid"
  echo "$1" >"$nd/$name.exe"
}

node_pid() {
  local nd pid
  nd=$(node_dir)
  [ -f "$nd/$1.pid" ] && [ -f "$nd/$1.exe" ] || return 1
  pid=$(cat "$nd/$1.pid")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$(cat "$nd/$1.exe")" || return 1
  echo "$pid"
}

node_running() { node_pid "$1" >/dev/null; }

# Pids of the marked processes of the node whose directory is $1 (daemons, shims, forwarders, holder).
node_marked_processes() {
  grep -lzxF "PS_NODE_DIR=$1" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 || true
}

# Pids in the node's cgroup tree: the Pods' containers. Only for the lock's holder to touch.
node_cgroup_processes() {
  find /sys/fs/cgroup/pids/"$NODE_CGROUP" -name cgroup.procs -exec cat {} + 2>/dev/null || true
}

# node_kill_all DIR [cgroups]: freeze the Pods (a fork bomb cannot outrun the kill), SIGKILL every
# marked process (and with `cgroups`, everything in the node's cgroup tree), thaw; until none is left.
node_kill_all() {
  local dir="$1" with_cgroups="${2:-}" pids freezer="/sys/fs/cgroup/freezer/$NODE_CGROUP" round
  for round in $(seq 50); do
    pids=$({
      node_marked_processes "$dir"
      if [ -n "$with_cgroups" ]; then node_cgroup_processes; fi
    } | sort -u)
    [ -z "$pids" ] && return 0
    [ -n "$with_cgroups" ] && [ -d "$freezer" ] && echo FROZEN >"$freezer/freezer.state" 2>/dev/null
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    [ -n "$with_cgroups" ] && [ -d "$freezer" ] && echo THAWED >"$freezer/freezer.state" 2>/dev/null
    sleep 0.1
  done
  echo "node: processes survived SIGKILL: $pids" >&2
  return 1
}

# The cgroup root kubelet was given, in every hierarchy (cpuset needs its parent's cpus and mems).
node_make_cgroups() {
  local hierarchy
  for hierarchy in /sys/fs/cgroup/*/; do
    mountpoint -q "$hierarchy" || continue
    mkdir -p "$hierarchy$NODE_CGROUP"
    if [ -f "$hierarchy/cpuset.cpus" ]; then
      cat "$hierarchy/cpuset.cpus" >"$hierarchy$NODE_CGROUP/cpuset.cpus"
      cat "$hierarchy/cpuset.mems" >"$hierarchy$NODE_CGROUP/cpuset.mems"
    fi
  done
}

node_remove_cgroups() {
  local round
  for round in $(seq 30); do
    find /sys/fs/cgroup/*/"$NODE_CGROUP" -depth -type d -exec rmdir {} + 2>/dev/null || true
    compgen -G "/sys/fs/cgroup/*/$NODE_CGROUP" >/dev/null || return 0
    sleep 0.1
  done
  echo "node: cgroups left: $(echo /sys/fs/cgroup/*/"$NODE_CGROUP")" >&2
  return 1
}

# --- host sysctls ----------------------------------------------------------------------------------
node_save_sysctls() {
  local key
  for key in $KERNEL_SYSCTLS; do echo "$key=$(sysctl -n "$key")"; done >"$NODE_SAVED_SYSCTLS.part"
  mv "$NODE_SAVED_SYSCTLS.part" "$NODE_SAVED_SYSCTLS"
}

node_restore_sysctls() {
  [ -f "$NODE_SAVED_SYSCTLS" ] || return 0
  local line
  while IFS= read -r line; do sysctl -qw "$line" || echo "node: cannot restore $line" >&2; done <"$NODE_SAVED_SYSCTLS"
}

# --- the machine-wide lock --------------------------------------------------------------------------
# The lock file holds the owner's description; the namespace holder process keeps it flock'ed for the
# node's whole life, so a dead node frees the machine by itself.
lock_field() { sed -n "s/^$1=//p" "$NODE_LOCK" 2>/dev/null | head -n1; }

describe_owner() {
  echo "checkout $(lock_field checkout) (state $(lock_field state_dir), namespace holder pid $(lock_field holder_pid), since $(lock_field since))"
}

# Whether this checkout may have the node: free, already ours, or left by a checkout whose state
# directory is gone (then it is cleared). Exits with one line naming the owner otherwise.
node_check_available() {
  exec 7<>"$NODE_LOCK"
  if flock -n 7; then exec 7>&-; return 0; fi
  exec 7>&-
  local owner
  owner=$(lock_field state_dir)
  [ "$owner" = "$STATE_DIR" ] && return 0
  if [ -n "$owner" ] && [ ! -d "$owner" ]; then
    # Its holder dies with the rest, which frees the lock; start_node_namespace clears its Pods.
    log_step "clearing the node of $(describe_owner): its state directory is gone"
    node_kill_all "$owner/node"
    return 0
  fi
  echo "node: the machine's test node is in use by $(describe_owner); run 'make cluster-down' there, or use NODE=0" >&2
  exit 1
}

# --- up --------------------------------------------------------------------------------------------
require_node_host() {
  local missing="" package
  for package in $NODE_PACKAGES; do
    dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q '^install ok installed' || missing+=" $package"
  done
  [ -z "$missing" ] || { echo "node: missing Debian packages:$missing (make cluster-up installs them)" >&2; exit 1; }
  case "$STATE_DIR/" in
    /run/* | /var/run/* | /var/lib/* | /var/log/*)
      echo "node: the state directory $STATE_DIR lies under a path the node's namespace replaces" >&2; exit 1 ;;
  esac
  local name
  for name in $NODE_KUBE_COMMANDS; do [ -x "$(kube_bin "$name")" ] || { build_all_locked build_node_tools; break; }; done
  [ -x "$(kube_router_bin)" ] || build_all_locked build_node_tools
}

# Takes the lock (free by node_check_available), clears what a dead node of ours left, and starts the
# namespace holder: `unshare` of a network and a mount namespace, running `sleep`, holding fd 7.
start_node_namespace() {
  local nd holder
  nd=$(node_dir)
  exec 7<>"$NODE_LOCK"
  flock -w 10 7 || { echo "node: could not take $NODE_LOCK: $(describe_owner)" >&2; exit 1; }
  # The lock was free, so no node lives: whatever is marked as ours or sits in the cgroup tree is left
  # from one that died (the saved sysctls too).
  [ -d "$nd" ] && log_step "clearing what the previous node of this checkout left"
  node_kill_all "$nd" cgroups
  node_remove_cgroups
  node_restore_sysctls
  rm -rf "$nd"
  mkdir -p "$nd"/{kubelet,containerd,pod-logs,serviceaccount,imported}
  node_save_sysctls
  PS_NODE_DIR="$nd" setsid nohup unshare --net --mount --propagation private -- sleep infinity \
    >>"$nd/holder.log" 2>&1 </dev/null 8>&- 9>&- &
  holder=$!
  echo "$holder" >"$nd/holder.pid"
  echo sleep >"$nd/holder.exe"
  exec 7>&-
  wait_until 10 "the node's namespaces" sh -c "[ \"\$(readlink /proc/$holder/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]"
  {
    echo "checkout=$REPO"
    echo "state_dir=$STATE_DIR"
    echo "holder_pid=$holder"
    echo "since=$(date -u +%FT%TZ)"
  } >"$NODE_LOCK"
  node_make_cgroups
  nsenter -t "$holder" -n -m -- "$HERE/node_namespace.sh" "$nd" "$NODE_IP" "$POD_CIDR" "$SERVICE_CIDR"
}

in_node() { nsenter -t "$(cat "$(node_dir)/holder.pid")" -n -m -- "$@"; }

containerd_ready() { ctr --address "$(node_dir)/containerd.sock" version; }
kubelet_healthy() { in_node curl -fsS --max-time 2 http://127.0.0.1:10248/healthz; }
kube_proxy_healthy() { in_node curl -fsS --max-time 2 http://127.0.0.1:10256/healthz; }
# kube-router's firewall has hooked the filter table once its chains exist.
policy_ready() { in_node iptables -t filter -S KUBE-ROUTER-FORWARD; }
node_ready() {
  [ "$(node_kubectl get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')" = True ]
}

start_forwarders() {
  local nd
  nd=$(node_dir)
  node_running apiserver-host-forward ||
    node_spawn apiserver-host-forward host /usr/bin/socat \
      "UNIX-LISTEN:$nd/apiserver.sock,fork,unlink-early,mode=600" "TCP:127.0.0.1:$APISERVER_PORT"
  node_running apiserver-node-forward ||
    node_spawn apiserver-node-forward node /usr/bin/socat \
      "TCP-LISTEN:$APISERVER_PORT,fork,reuseaddr" "UNIX-CONNECT:$nd/apiserver.sock"
  node_running egress-proxy ||
    node_spawn egress-proxy node /usr/bin/python3 "$HERE/node_egress_proxy.py" --socket "$nd/egress.sock" \
      --allow "$POD_CIDR"
}

start_node_daemons() {
  local nd
  nd=$(node_dir)
  write_containerd_config "$nd"
  write_cni_config "$nd"
  write_kubelet_config "$nd"
  write_kube_proxy_config "$nd"
  write_kubeconfig "$nd/kubelet.kubeconfig" kubelet
  write_kubeconfig "$nd/kube-proxy.kubeconfig" kube-proxy
  start_forwarders
  if ! node_running containerd; then
    node_spawn containerd node /usr/bin/containerd --config "$nd/containerd.toml"
  fi
  wait_until 30 "containerd (see $nd/containerd.log)" containerd_ready
  import_node_images
  if ! node_running kubelet; then
    node_spawn kubelet node "$(kube_bin kubelet)" --config="$nd/kubelet.yaml" \
      --kubeconfig="$nd/kubelet.kubeconfig" --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" --v=1
  fi
  if ! node_running kube-proxy; then
    node_spawn kube-proxy node "$(kube_bin kube-proxy)" --config="$nd/kube-proxy.yaml" --v=1
  fi
}

# kube-router looks its Node up once at start: it starts after kubelet registered the node.
start_policy_firewall() {
  local nd
  nd=$(node_dir)
  ensure_policy_certificate
  node_kubectl apply -f "$HERE/node_policy_rbac.yaml" >/dev/null
  write_kubeconfig "$nd/kube-router.kubeconfig" kube-router
  # NetworkPolicy only: no routing, no service proxy (kube-proxy's), no CNI config (Debian's bridge).
  if ! node_running kube-router; then
    node_spawn kube-router node "$(kube_router_bin)" --kubeconfig="$nd/kube-router.kubeconfig" \
      --run-firewall=true --run-router=false --run-service-proxy=false --enable-cni=false \
      --hostname-override="$NODE_NAME" --service-cluster-ip-range="$SERVICE_CIDR" \
      --health-port=20244 --metrics-port=0 --v=1
  fi
}

node_up() {
  local start=$SECONDS nd holder_fresh=0
  nd=$(node_dir)
  require_node_host
  build_node_images
  if ! node_running holder; then start_node_namespace; holder_fresh=1; fi
  start_node_daemons
  wait_until 60 "kubelet /healthz (see $nd/kubelet.log)" kubelet_healthy
  wait_until 60 "node $NODE_NAME Ready (see $nd/kubelet.log)" node_ready
  start_policy_firewall
  wait_until 30 "kube-proxy /healthz (see $nd/kube-proxy.log)" kube_proxy_healthy
  wait_until 30 "kube-router's NetworkPolicy chains (see $nd/kube-router.log)" policy_ready
  # kubelet set its kernel tunables at start; the rest of the machine gets the host's values back.
  node_restore_sysctls
  if [ "$holder_fresh" = 1 ]; then log_step "node $NODE_NAME Ready in $((SECONDS - start)) s"; fi
}

# --- images ----------------------------------------------------------------------------------------
# import_archive FILE: into containerd's k8s.io namespace (where CRI looks); remembered by size and
# mtime so an unchanged archive is not imported twice.
import_archive() {
  local archive="$1" nd stamp
  nd=$(node_dir)
  [ -f "$archive" ] || { echo "node: no such image archive: $archive" >&2; return 1; }
  stamp="$nd/imported/$(echo "$archive" | sha256sum | cut -c1-16)"
  [ "$(cat "$stamp" 2>/dev/null)" = "$(stat -c '%s %Y' "$archive")" ] && return 0
  ctr --address "$nd/containerd.sock" -n k8s.io images import "$archive" >"$nd/import.out" 2>&1 ||
    { echo "node: ctr could not import $archive: $(tail -n1 "$nd/import.out")" >&2; return 1; }
  stat -c '%s %Y' "$archive" >"$stamp"
  log_step "imported $(grep -o 'unpacking [^ ]*' "$nd/import.out" | cut -d' ' -f2 | tr '\n' ' ')from $archive"
}

import_node_images() {
  local archive
  import_archive "$(node_image_archive pause)"
  import_archive "$(node_image_archive probe)"
  for archive in "$REPO"/build/images/*.tar; do
    [ -f "$archive" ] && import_archive "$archive"
  done
  return 0
}

# cluster.sh import-images [ARCHIVE...]: into the running node (all of build/images/*.tar by default).
node_import_images() {
  node_running containerd || { echo "node: not running (cluster.sh up with NODE=1 first)" >&2; return 1; }
  if [ $# = 0 ]; then import_node_images; return; fi
  local archive nd
  nd=$(node_dir)
  for archive in "$@"; do
    rm -f "$nd/imported/$(echo "$archive" | sha256sum | cut -c1-16)"
    import_archive "$archive"
  done
}

# --- down, status ----------------------------------------------------------------------------------
node_down() {
  local nd start=$SECONDS
  nd=$(node_dir)
  [ -d "$nd" ] || return 0
  # The holder dies with the rest, which frees the lock.
  node_kill_all "$nd"
  exec 7<>"$NODE_LOCK"
  if flock -w 10 7; then
    # Free lock: no node lives on this machine, so its Pods' cgroups and saved sysctls are leftovers.
    node_kill_all "$nd" cgroups
    node_remove_cgroups
    node_restore_sysctls
    rm -f "$NODE_SAVED_SYSCTLS"
    : >"$NODE_LOCK"
  else
    echo "node: $NODE_LOCK is held by $(describe_owner); left its Pods and cgroups alone" >&2
  fi
  exec 7>&-
  # Nothing was mounted on the host's side; anything found under the node's state is unmounted.
  awk -v d="$nd" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l
  rm -rf "$nd"
  if is_running kube-apiserver; then
    node_kubectl delete node "$NODE_NAME" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  fi
  log_step "node stopped and cleaned in $((SECONDS - start)) s"
}

node_status() {
  local nd name pid code=0
  nd=$(node_dir)
  [ -d "$nd" ] || { echo "node: not started here; lock: $( [ -s "$NODE_LOCK" ] && describe_owner || echo free)"; return 0; }
  for name in holder containerd kubelet kube-proxy kube-router apiserver-host-forward \
    apiserver-node-forward egress-proxy; do
    if pid=$(node_pid "$name"); then echo "node $name: running, pid $pid"
    else echo "node $name: not running"; code=3; fi
  done
  echo "node: $NODE_NAME at $NODE_IP, Pods $POD_CIDR, state $nd"
  return "$code"
}

# cluster.sh node-exec COMMAND...: run a command inside the node's network and mount namespaces.
node_exec() {
  node_running holder || { echo "node: not running" >&2; return 1; }
  in_node "$@"
}
