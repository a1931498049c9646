#!/usr/bin/env bash
# Start-to-exit of a trivial plugin (print one line), in one run and interleaved so that the
# machine's state is the same for all three:
#   bare       python3 -I plugin.py                              (no isolation: the baseline)
#   local      pluginctl run DIR                                 (checks + local kernel sandbox)
#   container  pluginctl run DIR --sandbox container             (checks + podman/runc + image)
# Prints the median and p90 of each in milliseconds and the ratios. Usage: bench.sh BUILD_DIR
# Environment: BENCH_RUNS (default 20).
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
pluginctl=$build/bin/pluginctl
runs=${BENCH_RUNS:-20}
[ -x "$pluginctl" ] || { echo "container bench: $pluginctl missing (make build)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/plugin"
echo '{"id":"bench","version":"1.0.0","permissions":[]}' >"$work/plugin/manifest.json"
echo "print('ok')" >"$work/plugin/plugin.py"
echo '{"plugins":{"bench":{"permissions":[]}}}' >"$work/policy.json"

modes=(bare local)
if command -v podman >/dev/null; then
  podman image exists localhost/plugin-sandbox/sandbox:dev || "$root/sandbox-image/build.sh" "$build" >&2
  modes+=(container)
elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  docker image inspect localhost/plugin-sandbox/sandbox:dev >/dev/null 2>&1 ||
    "$root/sandbox-image/build.sh" "$build" >&2
  modes+=(container)
else
  echo "container bench: no container engine (podman or docker): container mode skipped" >&2
fi

run_mode() {
  case $1 in
    bare) (cd "$work/plugin" && env -i /usr/bin/python3 -I plugin.py) ;;
    local) "$pluginctl" run "$work/plugin" --policy "$work/policy.json" ;;
    container) "$pluginctl" run "$work/plugin" --policy "$work/policy.json" --sandbox container ;;
  esac
}

for mode in "${modes[@]}"; do  # once to warm caches, and to fail early with the reason
  run_mode "$mode" >/dev/null 2>"$work/err" || { echo "$mode failed:" >&2; cat "$work/err" >&2; exit 1; }
done
for ((i = 0; i < runs; i++)); do
  for mode in "${modes[@]}"; do
    start=$(date +%s%N)
    run_mode "$mode" >/dev/null 2>"$work/err" || { echo "$mode failed:" >&2; cat "$work/err" >&2; exit 1; }
    end=$(date +%s%N)
    echo $(((end - start) / 1000)) >>"$work/$mode.us"
  done
done

python3 - "$work" "$runs" "${modes[@]}" <<'PY'
import statistics, sys
work, runs, modes = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
ms = {m: sorted(int(l) / 1000 for l in open(f"{work}/{m}.us")) for m in modes}
med = {m: statistics.median(v) for m, v in ms.items()}
print(f"start-to-exit of a trivial plugin, {runs} interleaved runs each")
for m in modes:
    p90 = ms[m][min(len(ms[m]) - 1, int(0.9 * len(ms[m])))]
    print(f"  {m:<9}  median {med[m]:8.1f} ms   p90 {p90:8.1f} ms")
for a, b in [("local", "bare"), ("container", "bare"), ("container", "local")]:
    if a in med and b in med:
        print(f"  {a}/{b}: {med[a] / med[b]:.2f}x")
PY
