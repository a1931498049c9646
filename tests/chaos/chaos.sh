#!/usr/bin/env bash
# The chaos run (`make chaos`; SHORT=1: 40 runs, one API server kill, one leader kill;
# CHAOS_FAULTS=apiserver-throttle,replica-kill-x5: just those waves). Restarts the
# test API server with an audit log of Pod creates (the run's independent count of Pods), then runs
# chaos_run, which prints the fault x invariant table and exits 1 when an invariant failed.
#   tests/chaos/chaos.sh BUILD_DIR
set -euo pipefail
build_dir=$(cd "${1:?usage: chaos.sh BUILD_DIR}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
cluster="$root/tests/cluster/cluster.sh"
for binary in "$build_dir/bin/chaos_run" "$build_dir/bin/plugin-controller"; do
  [ -x "$binary" ] || { echo "chaos: $binary not built" >&2; exit 1; }
done
out="$build_dir/chaos"
mkdir -p "$out"
state="${PS_CLUSTER_STATE_DIR:-$root/build/cluster}"
audit="$state/audit.log"
mkdir -p "$state"
# Pod creates and PluginRun status writes with their responses (the Pod's uid and run label, every
# status as written); nothing else is logged.
cat >"$state/audit-policy.yaml.new" <<'POLICY'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: RequestResponse
  verbs: [create]
  resources: [{group: "", resources: [pods]}]
- level: RequestResponse
  verbs: [update, patch]
  resources: [{group: sandbox.plugins.dev, resources: [pluginruns/status]}]
- level: None
POLICY
# The API server reads its policy once: a changed policy means a restart below.
policy_changed=0
cmp -s "$state/audit-policy.yaml.new" "$state/audit-policy.yaml" || policy_changed=1
mv "$state/audit-policy.yaml.new" "$state/audit-policy.yaml"
export PS_APISERVER_EXTRA_ARGS="--audit-policy-file=$state/audit-policy.yaml --audit-log-path=$audit --audit-log-mode=blocking"
"$cluster" up >/dev/null
# The API server must be the one with the audit flags: restart it when it is not.
pid=$(cat "$state/kube-apiserver.pid")
if [ "$policy_changed" = 1 ] || ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "--audit-log-path=$audit"; then
  "$cluster" kill-apiserver
  "$cluster" up >/dev/null
fi
kubeconfig=$("$cluster" env | sed -n 's/^KUBECONFIG=//p')
# crds/ as the integration tests apply them.
kubectl=$("$cluster" env | sed -n 's/^KUBECTL=//p')
"$kubectl" --kubeconfig "$kubeconfig" apply --server-side --force-conflicts -f "$root/crds" >/dev/null
"$kubectl" --kubeconfig "$kubeconfig" wait --for=condition=Established --timeout=60s -f "$root/crds" >/dev/null
# The replicas' own identity: bound to cluster-admin by RBAC but not system:masters, which the API
# server never throttles (the apiserver-throttle fault needs their requests to be refused).
controller_kubeconfig=$("$cluster" user-kubeconfig plugin-controller-chaos)
"$kubectl" --kubeconfig "$kubeconfig" create clusterrolebinding plugin-controller-chaos \
  --clusterrole=cluster-admin --user=plugin-controller-chaos --dry-run=client -o yaml |
  "$kubectl" --kubeconfig "$kubeconfig" apply -f - >/dev/null
short=${SHORT:-0}
runs=${CHAOS_RUNS:-$([ "$short" = 1 ] && echo 40 || echo 300)}
start=$SECONDS
"$build_dir/bin/chaos_run" --kubeconfig "$kubeconfig" --controller "$build_dir/bin/plugin-controller" \
  --source-dir "$root" --out-dir "$out" --audit-log "$audit" --runs "$runs" --short "$short" \
  --controller-kubeconfig "$controller_kubeconfig" ${CHAOS_FAULTS:+--faults "$CHAOS_FAULTS"} |
  tee "$out/chaos-$([ "$short" = 1 ] && echo short || echo full).txt"
code=${PIPESTATUS[0]}
echo "chaos: finished in $((SECONDS - start)) s (exit $code; logs in $out)"
exit "$code"
