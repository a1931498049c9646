#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time: tests/fuzz/run.sh BUILD_DIR [SECONDS]
# (default FUZZ_SECONDS or 60 per target; FUZZ_TARGETS to pick some). Seeds come from
# tests/fuzz/corpus/<target without _fuzz>/ and, for manifests and policies, the example plugins, words from tests/fuzz/<target>.dict when there is one; new inputs go to
# tests/fuzz/corpus-run/ (ignored by git). Exits non-zero on a crash, leaving the reproducer in
# BUILD_DIR/fuzz-artifacts/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: tests/fuzz/run.sh BUILD_DIR [SECONDS]}
seconds=${2:-${FUZZ_SECONDS:-60}}
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
status=0
all_targets="manifest_fuzz policy_fuzz canonical_json_fuzz quantity_fuzz rfc3339_fuzz config_map_fuzz
             run_visit_fuzz kube_config_fuzz watch_stream_fuzz verified_volume_fuzz"
for target in ${FUZZ_TARGETS:-$all_targets}; do
  binary="$build/bin/$target"
  [ -x "$binary" ] || { echo "missing $binary (build with -DPS_FUZZ=ON and clang)" >&2; exit 2; }
  corpus="$root/tests/fuzz/corpus-run/$target"
  mkdir -p "$corpus"
  seeds="$root/tests/fuzz/corpus/${target%_fuzz}"
  if [ "$target" = manifest_fuzz ]; then
    for plugin in "$root"/plugins/*/manifest.json; do cp "$plugin" "$corpus/seed-$(basename "$(dirname "$plugin")").json"; done
  elif [ "$target" = policy_fuzz ]; then
    cp "$root/plugins/policy.json" "$corpus/seed-policy.json"
  fi
  log="$build/$target.log"
  echo "== $target: ${seconds}s ==" >&2
  dict="$root/tests/fuzz/${target%_fuzz}.dict"
  dict_flag=()
  [ -f "$dict" ] && dict_flag=(-dict="$dict")
  if "$binary" "$corpus" "$seeds" "${dict_flag[@]}" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
      -timeout=10 -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
  fi
  runs=$(grep -m1 '^stat::number_of_executed_units' "$log" | awk '{print $2}')
  speed=$(grep -m1 '^stat::average_exec_per_sec' "$log" | awk '{print $2}')
  echo "$target: $result, ${runs:-?} executions in ${seconds}s (${speed:-?}/s), corpus $(ls "$corpus" | wc -l) files" \
       "(log: $log)"
  [ "$result" = ok ] || grep -m5 -E 'ERROR|SUMMARY|Test unit written' "$log" || true
done
exit $status
