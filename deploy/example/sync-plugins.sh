#!/usr/bin/env bash
# Copies plugins/techdebt into deploy/example/plugins/ (kustomize loads files only from under its
# own root). Run after changing or re-signing the plugin; tests/integration/chart checks the copy.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
rm -rf "$HERE/plugins/techdebt"
mkdir -p "$HERE/plugins"
cp -R "$REPO/plugins/techdebt" "$HERE/plugins/techdebt"
