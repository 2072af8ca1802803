#!/usr/bin/env bash
# Installs the secmlops-gate tool the action runs, unless the cache step already restored it, and
# writes its path to the step outputs. The tool is a RID-specific dotnet tool (SecMLOps.Gates.Cli);
# the install runs from the runner's temporary folder, so a global.json in the user's repository
# never chooses the SDK, and the tool's own executable needs only the .NET runtime.
#
# Inputs (environment): TOOL_VERSION, TOOL_DIR, TOOL_SOURCE (an extra NuGet source: a feed URL or a
# folder of packages; empty for nuget.org only), RUNNER_TEMP, GITHUB_OUTPUT.
set -euo pipefail

version=${TOOL_VERSION:?TOOL_VERSION is not set}
dir=${TOOL_DIR:?TOOL_DIR is not set}
case "$version" in
  *[!0-9A-Za-z.+-]*|'') echo "::error::tool-version '$version' is not a version"; exit 2 ;;
esac

if [ -x "$dir/secmlops-gate" ]; then
  echo "secmlops-gate $version: restored from the cache" >&2
else
  args=(tool install SecMLOps.Gates.Cli --version "$version" --tool-path "$dir")
  [ -n "${TOOL_SOURCE:-}" ] && args+=(--add-source "$TOOL_SOURCE")
  (cd "${RUNNER_TEMP:-${TMPDIR:-/tmp}}" && dotnet "${args[@]}") >&2
fi
echo "cli=$dir/secmlops-gate" >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
