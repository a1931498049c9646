#!/usr/bin/env bash
# Copies the project's CRD (crds/pluginruns.yaml, the source of truth) into the chart as
# files/crd-pluginruns.yaml, with a header that names only files inside the chart.
# tests/integration/chart checks the copy. Not packaged (.helmignore).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOURCE="$HERE/../../crds/pluginruns.yaml"
{
  echo "# PluginRun: one run of a third-party plugin in the sandbox."
  echo "# templates/crds.yaml renders this file when crds.enabled is true (see values.yaml)."
  sed -n '/^[^#]/,$p' "$SOURCE"
} >"$HERE/files/crd-pluginruns.yaml"
