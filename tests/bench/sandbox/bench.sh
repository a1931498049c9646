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

env -u PLUGIN_POLICY_FILE -u PLUGIN_SIGNING_KEY "$python" -I - "$runs" "$pluginctl" "$work/trivial" \
  "$python" "${bwrap_args[@]}" <<'PY'
import statistics, subprocess, sys, time
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
    print(f"  {name:24s} {value:7.2f} ms   {value / bare:5.2f}x bare python")
ratio = median["pluginctl run"] / median["bwrap (same isolation)"]
print(f"  pluginctl run / bwrap      {ratio:5.2f}x")
PY
