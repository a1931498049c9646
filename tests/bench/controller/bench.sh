#!/usr/bin/env bash
# plugin-controller bench against its peer, the upstream Job controller (kube-controller-manager
# --controllers=job, --concurrent-job-syncs = our workers, same --kube-api-qps/--kube-api-burst),
# on a control plane of its own without kube-controller-manager (BUILD_DIR/bench-cluster), in
# alternating trials (PS_CONTROLLER_BENCH_TRIALS, default 3), each in a fresh namespace: the raw
# Pod-create rate of as many client threads as the controllers have workers, 1,000 objects at once
# at qps 200 and at qps 5000, paced at 50/s; CPU seconds of each controller, the API server and
# etcd, requests per object and the machine's other load per trial; medians. Then the
# controller's RSS with 10,000 finished runs cached (their Pods too with
# PS_CONTROLLER_BENCH_CACHED_PODS=1). PS_CONTROLLER_BENCH_TRIM_PROBE=1 (needs gdb) also reports
# the RSS after malloc_trim(0). PS_CONTROLLER_BENCH_PHASES picks phases (raw,burst,fast,paced,
# memory). PS_CONTROLLER_BENCH_COMPARE=BIN also runs another plugin-controller binary (e.g. one
# built before a change) in the same alternating trials. Figures go to BUILD_DIR/bench/controller.txt and through bench_record.py.
#   tests/bench/controller/bench.sh BUILD_DIR
set -euo pipefail
build_dir=$(cd "${1:?usage: bench.sh BUILD_DIR}" && pwd)
root=$(cd "$(dirname "$0")/../../.." && pwd)
bench="$build_dir/bin/controller_bench"
controller="$build_dir/bin/plugin-controller"
for binary in "$bench" "$controller"; do
  [ -x "$binary" ] || { echo "controller bench: $binary not built (make build)" >&2; exit 1; }
done
export PS_CLUSTER_STATE_DIR="$build_dir/bench-cluster" PS_CLUSTER_CONTROLLER_MANAGER=0 NODE=0
cluster="$root/tests/cluster/cluster.sh"
env_out=$("$cluster" env)
kubeconfig=$(sed -n 's/^KUBECONFIG=//p' <<<"$env_out")
job_controller=$(sed -n 's/^KUBE_CONTROLLER_MANAGER=//p' <<<"$env_out")
if [ ! -x "$job_controller" ]; then
  echo "controller bench: $job_controller not built (tests/cluster/cluster.sh build); no peer" >&2
  job_controller=""
fi
"$cluster" up >/dev/null
trap '"$cluster" down >/dev/null 2>&1 || true' EXIT
# crds/ as the integration tests apply them (a fresh control plane has none).
kubectl=$(sed -n 's/^KUBECTL=//p' <<<"$env_out")
"$kubectl" --kubeconfig "$kubeconfig" apply --server-side --force-conflicts -f "$root/crds" >/dev/null
"$kubectl" --kubeconfig "$kubeconfig" wait --for=condition=Established --timeout=60s \
  -f "$root/crds" >/dev/null
mkdir -p "$build_dir/bench"
record="$build_dir/bench/controller-figures.tsv"
rm -f "$record"
compare=()
[ -n "${PS_CONTROLLER_BENCH_COMPARE:-}" ] && compare=(--compare-controller "$PS_CONTROLLER_BENCH_COMPARE")
status=0
"$bench" "${compare[@]}" --kubeconfig "$kubeconfig" --controller "$controller" --source-dir "$root" \
  --job-controller "$job_controller" --state-dir "$PS_CLUSTER_STATE_DIR" \
  --no-controller-manager 1 --record "$record" \
  --out "$build_dir/bench/controller.txt" \
  --trials "${PS_CONTROLLER_BENCH_TRIALS:-3}" \
  --phases "${PS_CONTROLLER_BENCH_PHASES:-raw,burst,fast,paced,memory}" \
  --runs "${PS_CONTROLLER_BENCH_RUNS:-1000}" \
  --workers "${PS_CONTROLLER_BENCH_WORKERS:-8}" \
  --cached-pods "${PS_CONTROLLER_BENCH_CACHED_PODS:-0}" \
  --trim-probe "${PS_CONTROLLER_BENCH_TRIM_PROBE:-0}" \
  --cached-runs "${PS_CONTROLLER_BENCH_CACHED_RUNS:-10000}" || status=$?
echo "controller figures:"
while IFS=$'\t' read -r figure value unit baseline ratio goal note; do
  python3 "$root/tests/bench/bench_record.py" "$figure" "$value" "$unit" "$baseline" "$ratio" \
    "$goal" "$note"
done < <(cat "$record" 2>/dev/null)
exit "$status"
