#!/usr/bin/env bash
# Time to accept a typical signed three-file plugin (read, digest, schema, policy, verify), warm
# file cache, against one Ed25519 verify measured in the same run; the controller's repeated check
# of the same bytes (memoized: no verify); OpenSSL's and libsodium's verify side by side; then
# where the time goes. CPU time, medians of 5 repetitions. Usage: bench.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: bench.sh BUILD_DIR}
bench="$build/bin/core_bench"
[ -x "$bench" ] || { echo "no $bench: build first" >&2; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bench" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_format=json --benchmark_out="$out" --benchmark_out_format=json >/dev/null
BENCH_LIB="$(cd "$(dirname "$0")/.." && pwd)" python3 - "$out" <<'PY'
import json, os, sys
sys.path.insert(0, os.environ["BENCH_LIB"])
from bench_record import record  # noqa: E402
runs = json.load(open(sys.argv[1]))["benchmarks"]
median = {r["run_name"][3:]: r for r in runs if r.get("aggregate_name") == "median"}
cpu = {name: r["cpu_time"] for name, r in median.items()}  # µs; wall also counts a busy machine
verify = cpu["Ed25519VerifyKept"]
print(f"(CPU time, median of 5; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
record("accept signed 3-file plugin, cold / one Ed25519 verify", cpu["AcceptSignedThreeFilePlugin"],
       "us", verify, cpu["AcceptSignedThreeFilePlugin"] / verify, "<= 1.15")
record("repeated check of the same bytes (memo) / one Ed25519 verify",
       cpu["AcceptSignedThreeFilePluginRepeated"], "us", verify,
       cpu["AcceptSignedThreeFilePluginRepeated"] / verify, "< 1.0", "no signature verify (memo hit)")
record("Ed25519 verify: libsodium / OpenSSL", cpu["Ed25519VerifyLibsodium"], "us",
       cpu["Ed25519VerifyOpenSsl"], cpu["Ed25519VerifyLibsodium"] / cpu["Ed25519VerifyOpenSsl"], "-")
for name in ("ReadPluginDir", "ParseManifest", "VerifySignature", "Ed25519VerifyKept",
             "Ed25519VerifyOpenSsl", "Ed25519VerifyLibsodium"):
    print(f"    {name}: {median[name]['cpu_time']:.1f} us CPU, {median[name]['real_time']:.1f} us wall")
PY
