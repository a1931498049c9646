#!/usr/bin/env bash
# ps_kube bench: informer throughput on a burst of 5,000 ConfigMap creations, next to the API
# server's own create rate measured in the same run, and memory per cached object.
#   tests/bench/kube/bench.sh BUILD_DIR
set -euo pipefail
build_dir=${1:?usage: bench.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/../../.." && pwd)
bench="$build_dir/bin/kube_informer_bench"
[ -x "$bench" ] || { echo "kube bench: $bench not built (make build)" >&2; exit 1; }
"$root/tests/cluster/cluster.sh" up >/dev/null
kubeconfig=$("$root/tests/cluster/cluster.sh" env | sed -n 's/^KUBECONFIG=//p')
"$bench" --kubeconfig "$kubeconfig" --objects "${PS_KUBE_BENCH_OBJECTS:-5000}" --writers 8
