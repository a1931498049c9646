# shellcheck shell=bash disable=SC2034
# Pinned upstream versions of the test control plane. The build cache is keyed by these:
# bumping one rebuilds only that tool.
KUBE_VERSION=v1.34.4      # k8s.io/kubernetes; its staging modules are published as v0.34.4
ETCD_VERSION=v3.6.16      # go.etcd.io/etcd/server/v3
HELM_VERSION=v3.22.0      # helm.sh/helm/v3
KUBE_ROUTER_VERSION=v2.1.0  # github.com/cloudnativelabs/kube-router/v2: the node's NetworkPolicy firewall
GO_MINIMUM=1.24           # the kubernetes 1.34 go.mod needs go >= 1.24
