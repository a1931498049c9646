#!/usr/bin/env bash
# plugin-controller bench: raw Pod-create rate of one client (the baseline, same run), 1,000
# PluginRuns at once and paced at 50/s (runs/s, create->Pod p50/p99), requests per run, and the
# controller's RSS with 10,000 finished runs cached (their Pods too with
# PS_CONTROLLER_BENCH_CACHED_PODS=1; PS_CONTROLLER_BENCH_WORKERS=2,4 adds a 4-worker burst).
# PS_CONTROLLER_BENCH_TRIM_PROBE=1 (needs gdb) also reports the RSS after malloc_trim(0).
# Figures also go to BUILD_DIR/bench/controller.txt.
#   tests/bench/controller/bench.sh BUILD_DIR
set -euo pipefail
build_dir=${1:?usage: bench.sh BUILD_DIR}
root=$(cd "$(dirname "$0")/../../.." && pwd)
bench="$build_dir/bin/controller_bench"
controller="$build_dir/bin/plugin-controller"
for binary in "$bench" "$controller"; do
  [ -x "$binary" ] || { echo "controller bench: $binary not built (make build)" >&2; exit 1; }
done
"$root/tests/cluster/cluster.sh" up >/dev/null
kubeconfig=$("$root/tests/cluster/cluster.sh" env | sed -n 's/^KUBECONFIG=//p')
mkdir -p "$build_dir/bench"
"$bench" --kubeconfig "$kubeconfig" --controller "$controller" --source-dir "$root" \
  --out "$build_dir/bench/controller.txt" \
  --runs "${PS_CONTROLLER_BENCH_RUNS:-1000}" \
  --workers "${PS_CONTROLLER_BENCH_WORKERS:-2}" \
  --cached-pods "${PS_CONTROLLER_BENCH_CACHED_PODS:-0}" \
  --trim-probe "${PS_CONTROLLER_BENCH_TRIM_PROBE:-0}" \
  --cached-runs "${PS_CONTROLLER_BENCH_CACHED_RUNS:-10000}"
