#!/usr/bin/env bash
# A fuzzing campaign, outside `make test`: tests/fuzz/campaign.sh BUILD_DIR RUNS [TARGET...]
# runs each libFuzzer target (default: all) for RUNS executions (capped by FUZZ_MAX_SECONDS,
# default 3600), one target at a time, single process, at nice 19. Inputs grow in
# tests/fuzz/corpus-run/<target>/ (ignored by git), starting from tests/fuzz/corpus/<target>/;
# crashes go to BUILD_DIR/fuzz-artifacts/<target>/. Prints one line per target: executions,
# executions per second of wall time, final coverage (cov = edges, ft = features), wall seconds,
# CPU seconds (user + system) and executions per CPU second (the harness's own speed: at nice 19
# on a loaded machine the wall rate mostly measures the load), the load average at the start, and
# the result; appends it to BUILD_DIR/fuzz-campaign.tsv. Do not SIGSTOP a running target: its
# -timeout counts wall time, so a pause longer than 10 s is reported as a timeout.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: tests/fuzz/campaign.sh BUILD_DIR RUNS [TARGET...]}
runs=${2:?usage: tests/fuzz/campaign.sh BUILD_DIR RUNS [TARGET...]}
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(quantity rfc3339 canonical_json config_map kube_config watch_stream
                                     run_visit verified_volume manifest policy)
status=0
for name in "${targets[@]}"; do
  binary="$build/bin/${name}_fuzz"
  [ -x "$binary" ] || { echo "missing $binary (build with -DPS_FUZZ=ON and clang)" >&2; exit 2; }
  corpus="$root/tests/fuzz/corpus-run/$name"
  artifacts="$build/fuzz-artifacts/$name"
  mkdir -p "$corpus" "$artifacts"
  dict=()
  [ -f "$root/tests/fuzz/$name.dict" ] && dict=(-dict="$root/tests/fuzz/$name.dict")
  log="$build/fuzz-$name.log"
  started=$(date +%s)
  load=$(cut -d' ' -f1 /proc/loadavg)
  # No allocation/free stacks in ASan reports during the campaign: recording them on every malloc
  # was 15-45% of the time (StackDepot::Put in perf). Detection is unchanged; a reproducer is
  # replayed with full stacks by <name>_fuzz_replay in build/asan. ASAN_OPTIONS adds or overrides.
  TIMEFORMAT='%U %S'
  {
    time ASAN_OPTIONS="malloc_context_size=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" nice -n 19 "$binary" "$corpus" "$root/tests/fuzz/corpus/$name" "${dict[@]}" -runs="$runs" \
      -max_total_time="${FUZZ_MAX_SECONDS:-3600}" -max_len=4096 -rss_limit_mb=2048 -timeout=10 \
      -artifact_prefix="$artifacts/" -print_final_stats=1 -close_fd_mask=1 >"$log" 2>&1
  } 2>"$log.cpu"
  code=$?
  cpu=$(awk '{printf "%.1f", $1 + $2}' "$log.cpu")
  result=ok
  [ $code -eq 0 ] || { result="CRASH($(ls -t "$artifacts" | head -1))"; status=1; }
  execs=$(grep -m1 '^stat::number_of_executed_units' "$log" | awk '{print $2}')
  speed=$(grep -m1 '^stat::average_exec_per_sec' "$log" | awk '{print $2}')
  coverage=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+')
  per_cpu=$(awk -v e="${execs:-0}" '{ c = $1 + $2; printf "%d", (c > 0 ? e / c : 0) }' "$log.cpu")
  line="$name	${execs:-?}	${speed:-?}/s	${coverage:-?}	$(( $(date +%s) - started ))s	${cpu}s cpu	${per_cpu}/cpu-s	load ${load}	$result"
  echo "$line"
  echo "$line" >>"$build/fuzz-campaign.tsv"
done
exit $status
