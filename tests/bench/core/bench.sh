#!/usr/bin/env bash
# Time to accept a typical signed three-file plugin (read, digest, schema, policy, verify), warm
# file cache, against the 100 µs goal of issue 2; then where the time goes.
# Usage: bench.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: bench.sh BUILD_DIR}
bench="$build/bin/core_bench"
[ -x "$bench" ] || { echo "no $bench: build first" >&2; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bench" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_format=json --benchmark_out="$out" --benchmark_out_format=json >/dev/null
python3 - "$out" <<'PY'
import json, os, sys
runs = json.load(open(sys.argv[1]))["benchmarks"]
median = {r["run_name"]: r for r in runs if r.get("aggregate_name") == "median"}
accept = median["BM_AcceptSignedThreeFilePlugin"]
# CPU time is what this code costs; wall time also counts waiting for a busy machine.
print(f"accept signed 3-file plugin: {accept['cpu_time']:.1f} us CPU, {accept['real_time']:.1f} us wall "
      f"(median of 5; {'within' if accept['cpu_time'] < 100 else 'OVER'} the 100 us goal; "
      f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
for name in ("BM_ReadPluginDir", "BM_ParseManifest", "BM_VerifySignature"):
    print(f"  {name[3:]}: {median[name]['cpu_time']:.1f} us CPU, {median[name]['real_time']:.1f} us wall")
PY
