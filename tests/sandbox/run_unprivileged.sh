#!/usr/bin/env bash
# Runs the sandbox test binary as uid/gid 65534 when we are root, so that the sandbox takes its
# unprivileged path (user namespace, RLIMIT_NPROC). The binary and the hostile plugins are copied
# to a world-readable temporary folder first: the checkout may not be reachable by that user.
# A non-root caller already is the unprivileged case and runs the binary as is.
set -euo pipefail
binary=${1:?usage: run_unprivileged.sh TEST_BINARY [ARGS...]}
shift
if [ "$(id -u)" -ne 0 ]; then exec "$binary" "$@"; fi
here=$(cd "$(dirname "$0")" && pwd)
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
cp "$binary" "$copy/tests"
cp -r "$here/hostile" "$copy/hostile"
chmod -R a+rX "$copy"
cd "$copy"
PS_SANDBOX_HOSTILE_DIR="$copy/hostile" TMPDIR=/tmp \
  setpriv --reuid=65534 --regid=65534 --clear-groups -- "$copy/tests" "$@"
