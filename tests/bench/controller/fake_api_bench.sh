#!/usr/bin/env bash
# plugin-controller's own cost per run against fake_api_server.py (loopback, no TLS, no watch
# events, writes echoed): requests per run by verb and resource (counted by the fake), the
# controller's CPU seconds (/proc/PID/stat, start to idle) and its RSS once idle. Not a figure of
# `make bench` (no real API server): for comparing two controller binaries on one machine when
# the control plane cannot run, e.g. before/after a change.
#   fake_api_bench.sh BINARY new|finished RUNS [WORKERS]
#     new:      RUNS fresh PluginRuns, each launched once (its Pod created, its status written)
#     finished: RUNS finished PluginRuns listed and visited (the RSS with that many cached)
set -euo pipefail
binary=${1:?usage: fake_api_bench.sh BINARY new|finished RUNS [WORKERS]}
state=${2:?}
runs=${3:?}
workers=${4:-8}
root=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d /tmp/fake-api-bench.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
api_port=$(free_port)
metrics_port=$(free_port)
ns=fake-bench
python3 "$root/tests/bench/controller/fake_api_server.py" --port "$api_port" --namespace "$ns" \
  --runs "$runs" --state "$state" --plugin-dir "$root/plugins/techdebt" --counts "$work/counts.json" \
  >"$work/fake.log" 2>&1 &
fake=$!
cleanup() {
  [ -n "${controller:-}" ] && kill "$controller" 2>/dev/null || true
  kill "$fake" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT
cat >"$work/kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: fake, cluster: {server: "http://127.0.0.1:$api_port"}}]
users: [{name: u, user: {}}]
contexts: [{name: c, context: {cluster: fake, user: u}}]
current-context: c
YAML
for _ in $(seq 100); do grep -q ready "$work/fake.log" && break; sleep 0.1; done
start=$(date +%s.%N)
PLUGIN_POLICY_FILE="$root/plugins/policy.json" PLUGIN_SIGNING_KEY="$root/plugins/keys/demo.pub.pem" \
  "$binary" --kubeconfig "$work/kubeconfig" --namespace "$ns" --workers "$workers" \
  --metrics-bind-address "127.0.0.1:$metrics_port" --health-probe-bind-address 0 \
  --log-format text --kube-api-qps 5000 --kube-api-burst 10000 >"$work/controller.log" 2>&1 &
controller=$!
metric() { curl -fs "http://127.0.0.1:$metrics_port/metrics" 2>/dev/null |
  awk -v m="$1" '$1 ~ "^"m"({|$)" {s += $NF} END {print s + 0}'; }
idle=0
for _ in $(seq 1200); do
  if [ "$(metric controller_runtime_reconcile_total)" -ge "$runs" ] 2>/dev/null &&
    [ "$(metric workqueue_depth)" = 0 ] && [ "$(metric controller_runtime_active_workers)" = 0 ]; then
    idle=1
    break
  fi
  sleep 0.25
done
# Events are posted off the workers: wait until their count stops growing.
events() { curl -fs "http://127.0.0.1:$api_port/fake-counts" |
  python3 -c 'import json,sys; print(json.load(sys.stdin).get("POST events", 0))'; }
last=-1
for _ in $(seq 120); do
  now=$(events)
  [ "$now" = "$last" ] && break
  last=$now
  sleep 1
done
end=$(date +%s.%N)
ticks=$(getconf CLK_TCK)
read -r utime stime < <(awk '{print $14, $15}' "/proc/$controller/stat")
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$controller/status")
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$controller/status")
if [ "${PS_FAKE_BENCH_GDB:-0}" = 1 ]; then
  # Where the RSS is: glibc's own count of bytes in use vs held (to the controller's log), then
  # the RSS after malloc_trim(0) returned every free page.
  gdb -p "$controller" -batch -ex 'call (void) malloc_stats()' -ex 'call (int) malloc_trim(0)' \
    >/dev/null 2>&1 || echo "gdb failed" >&2
  echo "after malloc_trim(0): VmRSS $(awk '/^VmRSS/ {print $2 / 1024}' "/proc/$controller/status") MiB"
  grep -E "^(Arena|system bytes|in use bytes|Total)" "$work/controller.log" | tail -40 |
    awk '/^Total/ {t=1} t || /^Arena/ {print "  " $0}' | tail -4
fi
kill "$controller"
wait "$controller" 2>/dev/null || true
controller=""
kill -TERM "$fake"
wait "$fake" 2>/dev/null || true
python3 - "$work/counts.json" "$runs" "$utime" "$stime" "$ticks" "$rss" "$hwm" "$start" "$end" \
  "$idle" "$binary" "$state" <<'PY'
import json, sys
counts_file, runs, utime, stime, ticks, rss, hwm, start, end, idle, binary, state = sys.argv[1:]
runs = int(runs)
counts = json.load(open(counts_file))
cpu = (int(utime) + int(stime)) / int(ticks)
writes = {k: v for k, v in counts.items() if not k.startswith(("WATCH", "LIST"))}
per_run = sum(writes.values()) / max(runs, 1)
print(f"{binary} ({state}, {runs} runs){'' if idle == '1' else ' NOT IDLE'}: "
      f"CPU {cpu:.2f} s = {1000 * cpu / max(runs, 1):.2f} ms per run, "
      f"wall {float(end) - float(start):.1f} s, VmRSS {int(rss) / 1024:.1f} MiB, "
      f"VmHWM {int(hwm) / 1024:.1f} MiB")
print("  requests per run (LIST/WATCH not counted): " +
      ", ".join(f"{k} {v / max(runs, 1):.2f}" for k, v in sorted(writes.items())) +
      f"; total {per_run:.2f}")
PY
rm -rf "$work"
