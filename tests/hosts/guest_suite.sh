#!/usr/bin/env bash
# The local sandbox on a cgroup v2 kernel: boots Debian's kernel (unified hierarchy) under
# virtme-ng with qemu's software emulation (this machine's /dev/kvm is a paravirtualized KVM that
# does not boot a stock kernel: ../shared/notes/hosts.md), shares the host's root read-only, and
# runs in_guest.sh there: sandbox and hostile-plugin tests as root and as uid 65534 in delegated
# cgroups, the refusals that must name their step, the stale sweep, blocked user namespaces.
#   guest_suite.sh BUILD_DIR        (every hostile case in both modes, ~10 min; FULL=1: all of
#                                     sandbox_tests in both modes, ~10 min each)
# Tools (make hosts-tools): qemu-system-x86, linux-image-amd64, busybox-static, python3-venv, and
# virtme-ng in a venv cached under ~/.cache/plugin-sandbox. Bounded by GUEST_TIMEOUT seconds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$(cd "${1:?usage: guest_suite.sh BUILD_DIR}" && pwd)
. "$here/guest_tools.sh"

missing=$(guest_tools_missing)
if [ -n "$missing" ]; then
  echo "hosts: cannot boot a cgroup v2 guest here: $missing (make hosts-tools installs them)" >&2
  exit 1
fi

work=$(mktemp -d /tmp/ps-guest.XXXXXX)
trap 'rm -rf "$work"' EXIT
# What the guest runs, reachable by uid 65534 too (the checkout may not be).
cp "$build/bin/sandbox_tests" "$build/bin/pluginctl" "$work/"
cp -r "$repo/tests/sandbox/hostile" "$work/hostile"
cp "$here/in_guest.sh" "$repo/plugins/policy.json" "$repo/plugins/keys/demo.pub.pem" "$work/"
cp -r "$repo/plugins/example" "$work/hello"
cp -r "$repo/plugins/example" "$work/sleeper"
printf 'import time\nprint("started", flush=True)\ntime.sleep(120)\n' >"$work/sleeper/plugin.py"
"$work/pluginctl" sign "$work/sleeper" --key "$repo/plugins/keys/demo-UNSAFE-private.pem" >/dev/null
chmod -R a+rX "$work"

kernel=$(guest_kernel)
echo "hosts: booting $(basename "$kernel") under qemu (software emulation), timeout ${GUEST_TIMEOUT:-1200} s" >&2
start=$SECONDS
set +e
PATH="$(guest_venv)/bin:$PATH" timeout "${GUEST_TIMEOUT:-1200}" \
  vng --run "$kernel" --cpus 2 --memory 2G --disable-kvm --rwdir="$work" \
  -e "bash $work/in_guest.sh $work ${FULL:-0}" >"$work/guest.log" 2>&1
vng_status=$?
set -e
cat "$work/guest.log"
echo "hosts: guest ran $((SECONDS - start)) s (vng exit $vng_status)" >&2
if [ ! -f "$work/rc" ]; then
  echo "hosts: the guest did not finish its suite (timeout or boot failure; log above)" >&2
  exit 1
fi
exit "$(cat "$work/rc")"
