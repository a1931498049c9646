#!/usr/bin/env bash
# `make bench`: runs every tests/bench/*/bench.sh in turn. Each reports ratios against a
# baseline measured in the same run (see the script of each suite) and records its figures with
# tests/bench/bench_record.py; they are collected into build/bench/results.json (figure, value,
# unit, baseline, ratio, goal, timestamp, git revision) and printed as one table at the end.
# Usage: run.sh [SUITE ...] (default: every suite)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/build/bench"
mkdir -p "$out"
export BENCH_OUT="$out"
export BENCH_RECORDS="$out/records.jsonl"
export PYTHONPATH="$root/tests/bench${PYTHONPATH:+:$PYTHONPATH}"
: >"$BENCH_RECORDS"
status=0
for script in "$root"/tests/bench/*/bench.sh; do
  [ -x "$script" ] || continue
  suite=$(basename "$(dirname "$script")")
  if [ $# -gt 0 ] && [[ " $* " != *" $suite "* ]]; then continue; fi
  echo "== $suite =="
  "$script" "$root/build" || status=1
done
python3 "$root/tests/bench/collect_results.py" "$BENCH_RECORDS" "$out/results.json" "$root"
exit $status
