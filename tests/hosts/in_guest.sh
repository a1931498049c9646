#!/usr/bin/env bash
# Runs inside the cgroup v2 guest (guest_suite.sh): WORK holds the binaries, the hostile plugins,
# a signed `hello` and `sleeper` plugin, the demo policy and key. Writes WORK/results.txt and the
# suite's exit status to WORK/rc.
set -uo pipefail
work=${1:?usage: in_guest.sh WORK [FULL]}
full=${2:-0}
cg=/sys/fs/cgroup
results="$work/results.txt"
: >"$results"
failed=0

record() {  # NAME STATUS SECONDS DETAIL
  printf '%-58s %-4s %4ss  %s\n' "$1" "$2" "$3" "$4" | tee -a "$results"
  [ "$2" = ok ] || failed=1
}

# Runs CMD with its shell moved into cgroup DIR first (as systemd-run --scope does), then execs.
in_cgroup() {
  local dir=$1
  shift
  sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$dir" "$@"
}

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }

hello() { "$work/pluginctl" run "$work/hello" --policy "$work/policy.json" --key "$work/demo.pub.pem"; }

echo "guest: kernel $(uname -r), $(stat -fc %T $cg), controllers: $(cat $cg/cgroup.controllers)"
if [ "$(stat -fc %T $cg)" != cgroup2fs ]; then
  record "guest has the unified hierarchy" FAIL 0 "$cg is $(stat -fc %T $cg)"
  echo 1 >"$work/rc"
  exit 0
fi
# As on a systemd host: controllers enabled at the root, every payload in a leaf.
echo "+pids +memory +cpu" >$cg/cgroup.subtree_control

# Every hostile-plugin case, both modes; beside them the v2-specific unit tests. Under software
# emulation the guest runs ~10-40x slower than this machine: PS_TEST_TIME_SCALE stretches how long
# the tests wait (never the limits they prove; tests/sandbox/sandbox_fixture.h).
root_filter='HostilePluginTest.*:HostileSeccompTest.*:CgroupV2Test.*:UserNamespaceProbeTest.*'
root_filter+=':DescribeBlockedUserNamespaceTest.*:StaleSweepTest.*'
user_filter='HostilePluginTest.*:HostileSeccompTest.*:CgroupV2Test.TheHostsLayoutIsFoundAndAnyGapIsNamed'
export PS_TEST_TIME_SCALE=${PS_TEST_TIME_SCALE:-10}
if [ "$full" = 1 ]; then root_filter='*'; user_filter='*'; fi

gtest_case() {  # NAME LOG CMD...
  local name=$1 log=$2 start=$SECONDS
  shift 2
  "$@" >"$log" 2>&1
  local status=$?
  local summary
  summary=$(grep -E '^\[  (PASSED|FAILED)  \]' "$log" | tr '\n' ' ')
  if [ $status -eq 0 ]; then record "$name" ok $((SECONDS - start)) "$summary"
  else
    record "$name" FAIL $((SECONDS - start)) "$summary"
    grep -E '^\[  FAILED  \]|Failure|Expected|Actual|Which is' "$log" | head -40
  fi
}

# 1. root in a delegated cgroup of its own (systemd-run --scope -p Delegate=yes).
mkdir $cg/root-delegated.scope
gtest_case "root, delegated scope: sandbox + hostile tests" "$work/root.log" \
  in_cgroup $cg/root-delegated.scope env PS_EXPECT_CGROUP=v2 PS_SANDBOX_HOSTILE_DIR="$work/hostile" \
  "$work/sandbox_tests" --gtest_filter="$root_filter"

# 2. uid 65534 in a cgroup delegated to it (what Delegate=yes does: the directory and its
#    cgroup.procs, cgroup.subtree_control, cgroup.threads owned by the user).
mkdir $cg/user-delegated.scope
chown 65534:65534 $cg/user-delegated.scope $cg/user-delegated.scope/cgroup.{procs,subtree_control,threads}
gtest_case "uid 65534, delegated scope: sandbox + hostile tests" "$work/user.log" \
  in_cgroup $cg/user-delegated.scope env PS_EXPECT_CGROUP=v2 PS_SANDBOX_HOSTILE_DIR="$work/hostile" \
  TMPDIR=/tmp setpriv --reuid=65534 --regid=65534 --clear-groups -- "$work/sandbox_tests" \
  --gtest_filter="$user_filter"

# 3. uid 65534 in a cgroup it does not own: falls back to RLIMIT_NPROC and RLIMIT_AS, as today.
mkdir $cg/user-plain.scope
start=$SECONDS
out=$(in_cgroup $cg/user-plain.scope setpriv --reuid=65534 --regid=65534 --clear-groups -- \
  env TMPDIR=/tmp bash -c "$(declare -f hello); work=$work; hello" 2>&1)
status=$?
if [ $status -eq 0 ] && grep -q "Hello" <<<"$out"; then
  record "uid 65534, cgroup not delegated: runs on rlimits" ok $((SECONDS - start)) "exit 0"
else record "uid 65534, cgroup not delegated: runs on rlimits" FAIL $((SECONDS - start)) "exit $status: $out"; fi
gtest_case "uid 65534, cgroup not delegated: the gap is named" "$work/user-plain.log" \
  in_cgroup $cg/user-plain.scope setpriv --reuid=65534 --regid=65534 --clear-groups -- \
  "$work/sandbox_tests" --gtest_filter='CgroupV2Test.TheHostsLayoutIsFoundAndAnyGapIsNamed'

# 4. root sharing its cgroup with another process: refused (126) naming the step and the fix;
#    a configured parent works from the same place.
mkdir $cg/busy.scope
in_cgroup $cg/busy.scope sleep 600 &
neighbour=$!
start=$SECONDS
out=$(in_cgroup $cg/busy.scope bash -c "$(declare -f hello); work=$work; hello" 2>&1)
status=$?
if [ $status -eq 126 ] && grep -q "also holds other processes" <<<"$out" &&
  grep -q "systemd-run --scope -p Delegate=yes" <<<"$out"; then
  record "root, shared cgroup: 126 naming the step and the fix" ok $((SECONDS - start)) "$(tail -n1 <<<"$out" | cut -c1-120)"
else record "root, shared cgroup: 126 naming the step and the fix" FAIL $((SECONDS - start)) "exit $status: $out"; fi
start=$SECONDS
out=$(in_cgroup $cg/busy.scope env PLUGIN_SANDBOX_CGROUP_PARENT=/ps-configured.slice \
  bash -c "$(declare -f hello); work=$work; hello" 2>&1)
status=$?
if [ $status -eq 0 ] && [ -d $cg/ps-configured.slice ] && [ -z "$(ls -d $cg/ps-configured.slice/run-* 2>/dev/null)" ]; then
  record "root, PLUGIN_SANDBOX_CGROUP_PARENT: runs, group removed" ok $((SECONDS - start)) "exit 0"
else record "root, PLUGIN_SANDBOX_CGROUP_PARENT: runs, group removed" FAIL $((SECONDS - start)) "exit $status: $out"; fi
kill $neighbour 2>/dev/null

# 5. pluginctl killed with SIGKILL mid-run: its group is left; the next run sweeps it.
mkdir $cg/stale.scope
start=$SECONDS
in_cgroup $cg/stale.scope "$work/pluginctl" run "$work/sleeper" --policy "$work/policy.json" \
  --key "$work/demo.pub.pem" >"$work/sleeper.log" 2>&1 &
for _ in $(seq 1 600); do
  grep -q started "$work/sleeper.log" 2>/dev/null && break
  sleep 0.2
done
# The group is named run-<pluginctl's pid>-<its start time>-<n>.
left=$(ls -d $cg/stale.scope/run-* 2>/dev/null | head -n1)
victim=$(basename "${left:-run-0}" | cut -d- -f2)
[ "$victim" != 0 ] && kill -9 "$victim"
wait 2>/dev/null
sleep 1
still=$(ls -d "$left" 2>/dev/null)
out=$(in_cgroup $cg/stale.scope/plugin-sandbox-supervisor bash -c "$(declare -f hello); work=$work; hello" 2>&1)
status=$?
after=$(ls -d "$left" 2>/dev/null)
if [ -n "$left" ] && [ -n "$still" ] && [ -z "$after" ] && [ $status -eq 0 ]; then
  record "root, pluginctl SIGKILLed: next run sweeps its group" ok $((SECONDS - start)) "$(basename "$left") swept"
else record "root, pluginctl SIGKILLed: next run sweeps its group" FAIL $((SECONDS - start)) "during '$left' after kill '$still' after next run '$after' (exit $status) $out $(cat "$work/sleeper.log")"; fi

# 6. user namespaces blocked (user.max_user_namespaces = 0): one line before anything runs.
sysctl -qw user.max_user_namespaces=0
start=$SECONDS
out=$(in_cgroup $cg/user-plain.scope setpriv --reuid=65534 --regid=65534 --clear-groups -- \
  env TMPDIR=/tmp bash -c "$(declare -f hello); work=$work; hello" 2>&1)
status=$?
sysctl -qw user.max_user_namespaces=15000
lines=$(grep -c "user namespaces are blocked" <<<"$out")
if [ $status -eq 126 ] && [ "$lines" = 1 ] && grep -q "(user.max_user_namespaces = 0)" <<<"$out"; then
  record "uid 65534, user.max_user_namespaces=0: one line, 126" ok $((SECONDS - start)) "$(grep 'blocked' <<<"$out" | cut -c1-120)"
else record "uid 65534, user.max_user_namespaces=0: one line, 126" FAIL $((SECONDS - start)) "exit $status: $out"; fi

echo "$failed" >"$work/rc"
echo "guest: suite done, $(grep -c ' ok ' "$results") ok, $(grep -c ' FAIL ' "$results") failed"
