#!/usr/bin/env bash
# `make bench`: runs every tests/bench/*/bench.sh in turn. Each reports ratios against a
# baseline measured in the same run (see the script of each suite).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
status=0
for script in "$root"/tests/bench/*/bench.sh; do
  [ -x "$script" ] || continue
  echo "== $(basename "$(dirname "$script")") =="
  "$script" "$root/build" || status=1
done
exit $status
