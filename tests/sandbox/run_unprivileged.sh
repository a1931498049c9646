#!/usr/bin/env bash
# Runs a test binary as uid/gid 65534 when we are root (the sandbox then uses a user namespace
# and RLIMIT_NPROC instead of the root-only cgroup path); as is otherwise.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then exec "$@"; fi
exec setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
