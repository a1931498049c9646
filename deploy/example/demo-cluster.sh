#!/usr/bin/env bash
# `make demo-cluster`: the README's quickstart ("Quickstart on your own cluster"), command for
# command, on the project's own test node (tests/cluster, NODE=1) instead of kind/k3d/minikube:
# load the two image archives, helm install, run the example PluginRun, kubectl wait, print the
# result. Leaves the release and the run in place (helm uninstall plugin-sandbox -n
# plugin-sandbox-system; kubectl delete -k deploy/example/ to undo).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
cd "$REPO"
cluster=tests/cluster/cluster.sh
eval "$("$cluster" env | grep -E '^(KUBECTL|HELM|KUBECONFIG)=')"
export KUBECONFIG
kubectl() { "$KUBECTL" "$@"; }
helm() { "$HELM" "$@"; }
step() { echo "+ $*" >&2; }

NODE=1 "$cluster" up >&2
# 1. Load the archives into the node's runtime (on kind: kind load image-archive FILE).
step "load build/images/controller.tar build/images/sandbox.tar"
"$cluster" import-images build/images/controller.tar build/images/sandbox.tar >&2
# 2. Install the chart with the example policy and the demo signing key.
step "helm upgrade --install plugin-sandbox charts/plugin-sandbox ..."
helm upgrade --install plugin-sandbox charts/plugin-sandbox \
  --namespace plugin-sandbox-system --create-namespace --set crds.enabled=false \
  --set-json "policy=$(cat plugins/policy.json)" \
  --set-file signing.publicKeys=plugins/keys/demo.pub.pem \
  --wait --timeout 120s >&2
# 3. The example: a restricted namespace, the techdebt plugin as a ConfigMap, one PluginRun.
#    A finished run is immutable: start over so the demo shows a fresh run.
kubectl delete pluginrun techdebt-1 -n plugin-demo --ignore-not-found --wait=true --timeout=60s >&2
step "kubectl apply -k deploy/example/"
kubectl apply -k deploy/example/ >&2
# 4. Wait for it, then show what the plugin printed.
step "kubectl -n plugin-demo wait prun/techdebt-1 --for=condition=Succeeded --timeout=120s"
if ! kubectl -n plugin-demo wait prun/techdebt-1 --for=condition=Succeeded --timeout=120s >&2; then
  kubectl -n plugin-demo get prun techdebt-1 -o yaml >&2
  exit 1
fi
kubectl -n plugin-demo get prun techdebt-1 >&2
step "kubectl -n plugin-demo get prun techdebt-1 -o jsonpath='{.status.result}'"
kubectl -n plugin-demo get prun techdebt-1 -o jsonpath='{.status.result}'
echo
