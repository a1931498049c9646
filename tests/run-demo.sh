#!/usr/bin/env bash
# `make run`: checks the signed techdebt plugin against plugins/policy.json and the demo key, then
# runs it in the local kernel sandbox over this repository's controller/ tree (mounted read-only at
# /input) and prints its report. The exit status is pluginctl's (see DESIGN.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pluginctl="${PLUGINCTL:-$root/build/bin/pluginctl}"
echo "== pluginctl run plugins/techdebt --input controller/ (local sandbox) ==" >&2
exec "$pluginctl" run "$root/plugins/techdebt" \
  --policy "$root/plugins/policy.json" \
  --key "$root/plugins/keys/demo.pub.pem" \
  --input "$root/controller"
