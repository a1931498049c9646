# shellcheck shell=bash
# Configuration files of the test node's daemons, written into the node's state directory on every
# `up` (cheap, and a changed setting takes effect at the next start). Sourced by cluster.sh.

# install_config FILE < content: replaces FILE only when the content differs (kube-proxy exits as soon
# as its configuration file is written, so an idempotent `up` must leave it untouched).
install_config() {
  cat >"$1.new"
  if cmp -s "$1.new" "$1"; then rm -f "$1.new"; else mv "$1.new" "$1"; fi
}

# containerd 1.6 (Debian). Root and state sit at the standard paths, which the node's mount namespace
# maps to its own state (node_namespace.sh); the sockets are in the state directory so that host-side
# tools (ctr, kubelet's endpoint) reach them.
write_containerd_config() {
  local nd="$1"
  install_config "$nd/containerd.toml" <<TOML
version = 2
root = "/var/lib/containerd"
state = "/run/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.internal.v1.tracing"]

[grpc]
  address = "$nd/containerd.sock"

[ttrpc]
  address = "$nd/containerd.sock.ttrpc"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$(pause_image)"
  # The one wall on this kernel: root lacks CAP_SYS_RESOURCE, so the sandbox's oom_score_adj -998
  # fails ("can't get final child's PID from pipe: EOF"); this clamps it to what we may set.
  restrict_oom_score_adj = true
  disable_apparmor = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$nd/cni"
    max_conf_num = 1
TOML
}

# Debian's CNI plugins: a bridge whose gateway is the node's address, host-local addresses from the
# project's own Pod range, and a route to the Service range only (no default route in Pods).
write_cni_config() {
  local nd="$1"
  mkdir -p "$nd/cni"
  install_config "$nd/cni/10-plugin-sandbox.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "plugin-sandbox",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "isDefaultGateway": false,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$NODE_IP"}]],
        "routes": [{"dst": "$SERVICE_CIDR"}]
      }
    }
  ]
}
JSON
}

# kubelet: cgroupfs on this hybrid cgroup v1 host, under a cgroup root of its own; images never
# garbage-collected (locally imported images cannot be pulled back); eviction only near a full disk.
write_kubelet_config() {
  local nd="$1" pki
  pki=$(pki_dir)
  install_config "$nd/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $pki/kubelet-serving.crt
tlsPrivateKeyFile: $pki/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://$nd/containerd.sock
cgroupDriver: cgroupfs
cgroupRoot: /$NODE_CGROUP
failCgroupV1: false
failSwapOn: false
resolvConf: ""
clusterDomain: cluster.local
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
evictionPressureTransitionPeriod: 10s
nodeStatusReportFrequency: 10s
syncFrequency: 10s
fileCheckFrequency: 10s
maxPods: 110
YAML
}

# kube-proxy in nftables mode inside the node's network namespace; conntrack settings 0 so it leaves
# the host-wide nf_conntrack_max alone.
write_kube_proxy_config() {
  local nd="$1"
  install_config "$nd/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $nd/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
mode: nftables
clusterCIDR: $POD_CIDR
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: ["$NODE_IP/32"]
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
YAML
}

write_scheduler_config() {
  install_config "$STATE_DIR/kube-scheduler.yaml" <<YAML
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection: {kubeconfig: $STATE_DIR/kube-scheduler.kubeconfig}
leaderElection: {leaderElect: false}
YAML
}

# The API server reaches kubelet and Pods (logs, exec, proxy) through node_egress_proxy.py inside the
# node's network namespace: HTTP CONNECT over a Unix socket, the way konnectivity serves real clusters.
write_egress_selector_config() {
  install_config "$STATE_DIR/egress-selector.yaml" <<YAML
apiVersion: apiserver.k8s.io/v1beta1
kind: EgressSelectorConfiguration
egressSelections:
- name: cluster
  connection:
    proxyProtocol: HTTPConnect
    transport:
      uds:
        udsName: $(node_dir)/egress.sock
YAML
}
