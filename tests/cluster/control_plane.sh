# shellcheck shell=bash
# up / down / status / kill-apiserver / kill-etcd / compact of the test control plane. Sourced by cluster.sh.

etcd_bin() { echo "$CACHE_DIR/etcd-$ETCD_VERSION/bin/etcd"; }
kube_bin() { echo "$(kube_dir)/bin/$1"; }
with_controller_manager() { [ "${PS_CLUSTER_CONTROLLER_MANAGER:-1}" != 0 ]; }

etcd_url() { echo "http://127.0.0.1:$ETCD_CLIENT_PORT"; }

# The Service range; its first address is the `kubernetes` Service (in the API server's certificate).
SERVICE_CIDR=10.0.0.0/24

start_etcd() {
  local peer="http://127.0.0.1:$ETCD_PEER_PORT"
  port_in_use "$ETCD_CLIENT_PORT" && { echo "cluster: etcd port $ETCD_CLIENT_PORT is taken by another process" >&2; return 1; }
  # --unsafe-no-fsync: test data only; fsync dominates etcd latency on shared disks.
  start_process etcd "$(etcd_bin)" --name=plugin-sandbox-test --data-dir="$STATE_DIR/etcd-data" \
    --listen-client-urls="$(etcd_url)" --advertise-client-urls="$(etcd_url)" \
    --listen-peer-urls="$peer" --initial-advertise-peer-urls="$peer" \
    --initial-cluster="plugin-sandbox-test=$peer" --unsafe-no-fsync=true --log-level=warn
}

etcd_healthy() { curl -fsS --max-time 2 "$(etcd_url)/health" | grep -q '"health":"true"'; }

# Every API server is ready for the test node (tests/cluster/node.sh), with or without one: the Node
# authorizer and NodeRestriction for kubelet, a client certificate towards kubelet, the node's address
# as the `kubernetes` Service's endpoint (Pods reach it through the node's forwarder), and an egress
# selector that sends connections to nodes and Pods into the node's network namespace. Without a node
# those connections fail as they would to an unreachable node.
start_apiserver() {
  local pki admission
  pki=$(pki_dir)
  port_in_use "$APISERVER_PORT" && { echo "cluster: API server port $APISERVER_PORT is taken by another process" >&2; return 1; }
  # Without a controller manager nobody creates the `default` ServiceAccount, so its admission
  # plugin would refuse every Pod (controller-runtime's envtest disables it for the same reason).
  admission="--enable-admission-plugins=NodeRestriction,ServiceAccount"
  with_controller_manager || admission="--enable-admission-plugins=NodeRestriction --disable-admission-plugins=ServiceAccount"
  write_egress_selector_config
  # shellcheck disable=SC2086
  start_process kube-apiserver "$(kube_bin kube-apiserver)" \
    --etcd-servers="$(etcd_url)" --bind-address=127.0.0.1 --advertise-address="$NODE_IP" \
    --secure-port="$APISERVER_PORT" --tls-cert-file="$pki/apiserver.crt" \
    --tls-private-key-file="$pki/apiserver.key" --client-ca-file="$pki/ca.crt" \
    --authorization-mode=Node,RBAC --allow-privileged=true --service-cluster-ip-range="$SERVICE_CIDR" \
    --service-account-issuer="https://127.0.0.1:$APISERVER_PORT/" \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$pki/ca.crt" --kubelet-preferred-address-types=InternalIP \
    --egress-selector-config-file="$STATE_DIR/egress-selector.yaml" \
    $admission --profiling=false ${PS_APISERVER_EXTRA_ARGS:-}
}

# An API server started by an older version of this script lacks the node's flags: `up` restarts it
# (etcd keeps the data).
apiserver_has_node_flags() {
  local pid
  pid=$(running_pid kube-apiserver) || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "--egress-selector-config-file="
}

# /readyz with the admin certificate: true once etcd is reachable and the post-start hooks ran.
apiserver_ready() {
  local pki
  pki=$(pki_dir)
  curl -fsS --max-time 2 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
    "https://127.0.0.1:$APISERVER_PORT/readyz" | grep -qx ok
}

start_controller_manager() {
  local pki
  pki=$(pki_dir)
  write_kubeconfig "$STATE_DIR/controller-manager.kubeconfig" controller-manager
  # One instance: no leader election (it would wait out the lease of a killed predecessor).
  start_process kube-controller-manager "$(kube_bin kube-controller-manager)" \
    --kubeconfig="$STATE_DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$STATE_DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$STATE_DIR/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$CONTROLLER_MANAGER_PORT" \
    --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
    --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --profiling=false
}

controller_manager_healthy() {
  curl -fsSk --max-time 2 "https://127.0.0.1:$CONTROLLER_MANAGER_PORT/healthz" | grep -qx ok
}

# kube-scheduler runs with the node only: without one every Pod would just be marked unschedulable,
# and suites that play the kubelet by patching Pod status keep their Pods unbound.
start_scheduler() {
  write_kubeconfig "$STATE_DIR/kube-scheduler.kubeconfig" kube-scheduler
  write_scheduler_config
  start_process kube-scheduler "$(kube_bin kube-scheduler)" --config="$STATE_DIR/kube-scheduler.yaml" \
    --authentication-kubeconfig="$STATE_DIR/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig="$STATE_DIR/kube-scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$SCHEDULER_PORT"
}

scheduler_healthy() {
  curl -fsSk --max-time 2 "https://127.0.0.1:$SCHEDULER_PORT/healthz" | grep -qx ok
}

# NODE=1: also the real node (node.sh); NODE=0: the control plane only (a node of this checkout is
# taken down); unset: keep what this checkout had (a node once brought up stays until down or NODE=0).
node_requested() {
  case "${NODE:-}" in
    1) return 0 ;;
    0) return 1 ;;
    "") [ -d "$(node_dir)" ] ;;
    *) echo "cluster: NODE must be 0 or 1, not '${NODE}'" >&2; exit 2 ;;
  esac
}

cluster_up() {
  local start=$SECONDS with_node=0
  node_requested && with_node=1
  # Fail before starting anything when another checkout's node holds the machine.
  [ "$with_node" = 1 ] && node_check_available
  require_binaries
  mkdir -p "$STATE_DIR"
  load_ports
  ensure_certificates
  ensure_node_certificates
  write_kubeconfig "$STATE_DIR/kubeconfig" admin
  is_running etcd || { log_step "starting etcd on 127.0.0.1:$ETCD_CLIENT_PORT"; start_etcd; }
  wait_until 60 "etcd /health (see $STATE_DIR/etcd.log)" etcd_healthy
  if is_running kube-apiserver && ! apiserver_has_node_flags; then
    log_step "restarting kube-apiserver with the node's flags"
    stop_process kube-apiserver TERM
  fi
  local apiserver_started=0
  if ! is_running kube-apiserver; then
    log_step "starting kube-apiserver on 127.0.0.1:$APISERVER_PORT"
    start_apiserver
    apiserver_started=1
  fi
  wait_until 120 "kube-apiserver /readyz (see $STATE_DIR/kube-apiserver.log)" apiserver_ready
  # A controller manager that lived through the API server's absence keeps its ServiceAccount and
  # token controllers in backoff for minutes (seen: new namespaces without a `default`
  # ServiceAccount, so every Pod refused); a fresh one lists everything again at once.
  if with_controller_manager && [ "$apiserver_started" = 1 ] && is_running kube-controller-manager; then
    log_step "restarting kube-controller-manager (its controllers back off while the API server is away)"
    stop_process kube-controller-manager TERM
  fi
  # The same for kube-scheduler (seen: a Pod left Pending, never bound, after such a restart).
  if [ "$apiserver_started" = 1 ] && is_running kube-scheduler; then
    log_step "restarting kube-scheduler (it backs off while the API server is away)"
    stop_process kube-scheduler TERM
  fi
  if with_controller_manager && ! is_running kube-controller-manager; then
    log_step "starting kube-controller-manager"
    start_controller_manager
  fi
  if with_controller_manager; then
    wait_until 60 "kube-controller-manager /healthz (see $STATE_DIR/kube-controller-manager.log)" \
      controller_manager_healthy
  fi
  if [ "$with_node" = 1 ]; then
    if ! is_running kube-scheduler; then log_step "starting kube-scheduler"; start_scheduler; fi
    wait_until 60 "kube-scheduler /healthz (see $STATE_DIR/kube-scheduler.log)" scheduler_healthy
    node_up
  else
    [ -d "$(node_dir)" ] && node_down
    stop_process kube-scheduler TERM
  fi
  log_step "ready in $((SECONDS - start)) s: export KUBECONFIG=$STATE_DIR/kubeconfig"
}

# The binaries must be built already: `up` from a fresh machine builds them first.
require_binaries() {
  local missing=0
  [ -x "$(etcd_bin)" ] || missing=1
  [ -x "$(kube_bin kube-apiserver)" ] || missing=1
  if with_controller_manager; then [ -x "$(kube_bin kube-controller-manager)" ] || missing=1; fi
  [ "$missing" = 0 ] || build_all
}

cluster_down() {
  local name start=$SECONDS
  node_down
  for name in kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_process "$name" TERM; done
  rm -rf "$STATE_DIR"
  log_step "stopped in $((SECONDS - start)) s; removed $STATE_DIR"
}

cluster_status() {
  local name pid code=0
  if [ ! -f "$STATE_DIR/ports.env" ]; then echo "not started (no $STATE_DIR/ports.env)"; return 3; fi
  load_ports
  local names="etcd kube-apiserver kube-controller-manager"
  [ -d "$(node_dir)" ] && names+=" kube-scheduler"
  for name in $names; do
    if pid=$(running_pid "$name"); then echo "$name: running, pid $pid"
    else echo "$name: not running"; code=3; fi
  done
  echo "etcd: $(etcd_url)"
  echo "kube-apiserver: https://127.0.0.1:$APISERVER_PORT"
  echo "kubeconfig: $STATE_DIR/kubeconfig"
  node_status || code=3
  return "$code"
}

kill_apiserver() {
  local pid
  pid=$(running_pid kube-apiserver) || { echo "cluster: kube-apiserver is not running" >&2; return 1; }
  kill -KILL "$pid"
  while [ -d "/proc/$pid" ]; do sleep 0.05; done
  log_step "killed kube-apiserver (pid $pid); etcd keeps the data, \`up\` brings it back"
}

# kill -9 of etcd only; the API server keeps running and reconnects once `up` restarts etcd.
kill_etcd() {
  local pid
  pid=$(running_pid etcd) || { echo "cluster: etcd is not running" >&2; return 1; }
  kill -KILL "$pid"
  while [ -d "/proc/$pid" ]; do sleep 0.05; done
  log_step "killed etcd (pid $pid); its data directory stays, \`up\` brings it back"
}

# etcd's JSON gateway: the revision in any response header is the store's current revision.
# Compacting to it discards all history below it in etcd. Note that with the default watch cache the
# API server keeps serving watches (and, in 1.34, paginated lists) from its own in-memory window, so
# compaction alone yields no 410 to a client; see expire_watches.
compact_etcd() {
  local revision
  load_ports
  revision=$(curl -fsS -X POST "$(etcd_url)/v3/kv/range" -d '{"key":"AA=="}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')
  curl -fsS -X POST "$(etcd_url)/v3/kv/compaction" -d "{\"revision\":\"$revision\",\"physical\":true}" >/dev/null
  log_step "compacted etcd to revision $revision"
  echo "$revision"
}

# What a watch client sees as 410 Gone: etcd's history compacted away AND a fresh API server whose
# watch cache starts at the current revision. A watch resumed from an older resourceVersion then
# gets `{"type":"ERROR","object":{"code":410,"reason":"Expired",...}}` and must relist.
expire_watches() {
  compact_etcd >/dev/null
  kill_apiserver
  cluster_up
}

# The serving certificate re-issued by the same CA, the API server restarted on the same address
# with it (TERM, as a rolling update would; etcd keeps the data). Prints "OLD_SERIAL NEW_SERIAL".
reissue_apiserver_cert() {
  local pki old new
  pki=$(pki_dir)
  load_ports
  old=$(cert_serial "$pki/apiserver.crt")
  stop_process kube-apiserver TERM
  reissue_apiserver_cert_files
  new=$(cert_serial "$pki/apiserver.crt")
  log_step "re-issued the API server's serving certificate by the same CA: serial $old -> $new"
  cluster_up
  echo "$old $new"
}

# The API server stopped (TERM) and started again by `up`, e.g. with other PS_APISERVER_EXTRA_ARGS.
restart_apiserver() {
  load_ports
  stop_process kube-apiserver TERM
  cluster_up
}

# A kubeconfig for user NAME (a client certificate of the test CA, no group), printed as a path.
user_kubeconfig() {
  local name="${1:?usage: cluster.sh user-kubeconfig NAME}"
  [[ "$name" =~ ^[a-z0-9][a-z0-9.-]*$ ]] || { echo "cluster: user name '$name' is not [a-z0-9.-]" >&2; return 2; }
  [ -f "$(pki_dir)/complete" ] || { echo "cluster: no certificates yet (run \`up\` first)" >&2; return 1; }
  load_ports
  ensure_user_certificate "$name"
  write_kubeconfig "$STATE_DIR/user-$name.kubeconfig" "user-$name"
  echo "$STATE_DIR/user-$name.kubeconfig"
}
