#!/usr/bin/env bash
# Packs what the project publishes into one folder feed and prints each package's size:
#   SecMLOps.Gates.Cli (the dotnet tool: a small package naming its platforms, and
#   SecMLOps.Gates.Cli.linux-x64 with that platform's native libraries) and SecMLOps.Gates.MSBuild
#   (the build task with the CLI under tools/cli/). Fails when a package is over nuget.org's 250 MB.
#   bash build/pack.sh [OUTPUT-FOLDER] [VERSION]
# Builds in a folder of its own: a pack with another version never rewrites the assemblies in src/*/bin
# that a build or a test run beside it is using (and whose version keys their verdict cache).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=$(mkdir -p "${1:-artifacts/packages}" && cd "${1:-artifacts/packages}" && pwd)
version=${2:-}
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
args=(-c Release -o "$out" --artifacts-path "$build" -nologo -v:quiet)
[ -n "$version" ] && args+=("-p:Version=$version")
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet pack src/SecMLOps.Gates.Cli "${args[@]}"
dotnet pack src/SecMLOps.Gates.MSBuild "${args[@]}"

limit=$((250 * 1024 * 1024))
status=0
echo "package sizes:"
for package in "$out"/*.nupkg; do
  bytes=$(stat -c %s "$package")
  awk -v name="$(basename "$package")" -v bytes="$bytes" 'BEGIN { printf "  %-55s %8.1f MB\n", name, bytes / 1048576 }'
  if [ "$bytes" -gt "$limit" ]; then echo "  ^ over the 250 MB nuget.org accepts" >&2; status=1; fi
done
exit $status
