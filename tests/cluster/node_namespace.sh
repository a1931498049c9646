#!/usr/bin/env bash
# Runs once inside the test node's fresh network + mount namespaces (tests/cluster/node.sh runs it with
# nsenter), before any node daemon starts. Nothing here touches the host: the mounts are private to the
# node's mount namespace and the devices, routes and rules live in its network namespace.
#   node_namespace.sh NODE_DIR NODE_IP POD_CIDR SERVICE_CIDR
set -euo pipefail
node_dir="$1" node_ip="$2" pod_cidr="$3" service_cidr="$4"
prefix_length="${pod_cidr#*/}"

# The fixed paths kubelet, containerd and CNI write (/var/lib/kubelet/device-plugins, /run/containerd,
# /var/lib/cni, /var/log/containers, ...) become fresh tmpfs or bind mounts of the node's state: two
# checkouts never share them and nothing lands on the host's own /run, /var/lib or /var/log.
mount -t tmpfs -o mode=755,size=256m plugin-sandbox-node-run /run
mkdir -p /run/lock /run/containerd /run/secrets/kubernetes.io/serviceaccount
mount -t tmpfs -o mode=755,size=64m plugin-sandbox-node-varlib /var/lib
mkdir -p /var/lib/kubelet /var/lib/containerd /var/lib/cni
mount --bind "$node_dir/kubelet" /var/lib/kubelet
mount --bind "$node_dir/containerd" /var/lib/containerd
mount -t tmpfs -o mode=755,size=64m plugin-sandbox-node-varlog /var/log
mkdir -p /var/log/pods /var/log/containers
mount --bind "$node_dir/pod-logs" /var/log/pods
# The policy agent reads its ServiceAccount token where every in-cluster client does.
mount --bind "$node_dir/serviceaccount" /run/secrets/kubernetes.io/serviceaccount

# The node's address lives on the Pods' bridge (created here so kubelet finds --node-ip at start; the
# CNI bridge plugin adopts it). There is no default route: nothing in here can reach another host.
ip link set lo up
ip link add cni0 type bridge
ip addr add "$node_ip/$prefix_length" dev cni0
ip link set cni0 up
# Guard rails: a Service address kube-proxy did not translate goes nowhere, and no Pod packet is
# forwarded anywhere but back onto the bridge.
ip route add blackhole "$service_cidr"
nft -f - <<NFT
table inet plugin_sandbox_guard {
  chain forward {
    type filter hook forward priority -10; policy accept;
    ip saddr $pod_cidr oifname != "cni0" counter drop
  }
}
NFT
# Per network namespace: Pod -> Service -> Pod on one bridge needs both.
sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1
