#!/usr/bin/env bash
# Start-to-exit of a trivial plugin: `pluginctl run` (full pipeline: checks, verified copy, kernel
# sandbox) vs bare `/usr/bin/python3 -I plugin.py` vs bwrap with equivalent isolation (the same
# minimal read-only root, all namespaces, new session, cleared environment). Runs are interleaved
# (A B C A B C ...) so that machine noise hits all three alike; medians and ratios are printed.
# Usage: bench.sh BUILD_DIR [RUNS]
set -euo pipefail
build=${1:?usage: bench.sh BUILD_DIR [RUNS]}
runs=${2:-30}
pluginctl="$build/bin/pluginctl"
python=/usr/bin/python3.11
[ -x "$pluginctl" ] || { echo "no $pluginctl: build first" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/trivial"
printf 'pass\n' >"$work/trivial/plugin.py"
printf '{"id":"trivial","version":"1.0.0","permissions":[]}' >"$work/trivial/manifest.json"

# The same minimal root the local sandbox builds: interpreter, stdlib, loader, linked libraries.
libs=$( { ldd "$python"; ldd /usr/lib/python3.11/lib-dynload/*.so 2>/dev/null; } |
  awk '/=> \//{print $3} /^\t\/lib/{print $1}' | sort -u)
bwrap_args=(--unshare-all --die-with-parent --new-session --clearenv
  --setenv PATH /usr/bin --setenv HOME /tmp --setenv LANG C.UTF-8
  --ro-bind "$python" "$python" --ro-bind /usr/lib/python3.11 /usr/lib/python3.11)
for lib in $libs; do bwrap_args+=(--ro-bind "$lib" "$lib"); done
bwrap_args+=(--proc /proc --dev /dev --tmpfs /tmp --ro-bind "$work/trivial" /sandbox
  --chdir /sandbox --remount-ro / "$python" -I plugin.py)

# Sanity: each variant must succeed before it is timed.
"$pluginctl" run "$work/trivial" >/dev/null 2>&1 || { echo "pluginctl run failed" >&2; exit 1; }
bwrap "${bwrap_args[@]}" || { echo "bwrap failed" >&2; exit 1; }

BENCH_LIB="$(cd "$(dirname "$0")/.." && pwd)" env -u PLUGIN_POLICY_FILE -u PLUGIN_SIGNING_KEY "$python" -I - "$runs" "$pluginctl" "$work/trivial" \
  "$python" "${bwrap_args[@]}" <<'PY'
import json, os, statistics, subprocess, sys, time
runs, pluginctl, plugin, python = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
bwrap = ["bwrap"] + sys.argv[5:]
variants = {
    "python3 -I (bare)": [python, "-I", plugin + "/plugin.py"],
    "pluginctl run": [pluginctl, "run", plugin],
    "bwrap (same isolation)": bwrap,
}
times = {name: [] for name in variants}
for _ in range(runs):
    for name, argv in variants.items():
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times[name].append((time.perf_counter() - start) * 1000)
median = {name: statistics.median(values) for name, values in times.items()}
bare = median["python3 -I (bare)"]
print(f"{runs} interleaved runs each, median start-to-exit:")
for name, value in median.items():
    print(f"    {name:24s} {value:7.2f} ms   {value / bare:5.2f}x bare python")
sys.path.insert(0, os.environ["BENCH_LIB"])  # -I ignores PYTHONPATH
from bench_record import record  # noqa: E402
record("pluginctl run trivial plugin / bare python3 -I (start to exit)", median["pluginctl run"],
       "ms", bare, median["pluginctl run"] / bare, "<= 1.5")
bwrap_ms = median["bwrap (same isolation)"]
record("pluginctl run / bwrap with the same root (start to exit)", median["pluginctl run"], "ms",
       bwrap_ms, median["pluginctl run"] / bwrap_ms, "< 1.0")
record("bwrap with the same root / bare python3 -I (start to exit)", bwrap_ms, "ms", bare,
       bwrap_ms / bare, "-")
out = os.environ.get("BENCH_OUT")
if out:  # the samples, for the distribution plot
    with open(os.path.join(out, "sandbox_start_to_exit.json"), "w") as samples:
        json.dump({"unit": "ms", "runs": runs, "samples": times}, samples)
PY

# The distribution as a picture, when matplotlib is there (`make bench` installs it).
if [ -n "${BENCH_OUT:-}" ] && [ -f "$BENCH_OUT/sandbox_start_to_exit.json" ]; then
  python3 "$(dirname "$0")/plot_start_to_exit.py" "$BENCH_OUT/sandbox_start_to_exit.json" \
    "$BENCH_OUT/sandbox_start_to_exit.png" || echo "(no plot: matplotlib missing?)" >&2
fi
