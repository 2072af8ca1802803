#!/usr/bin/env bash
# The test command: installs what the tests read (Fashion-MNIST from Debian, the Node validators
# from npm), restores, builds (Release) and runs every test, unit and end-to-end (the real CLI, a
# real `dotnet build` of the sample, the packages installed from a feed, the action scripts).
#   bash tests/run-tests.sh          every test
#   bash tests/run-tests.sh --fast   leaves out the tests tagged Layer=slow (end to end, real models)
# Needs the .NET 10 SDK and Node.js. The shared fixtures are read from ../shared/fixtures beside
# the repository.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

filter=()
case "${1:-}" in
  --fast) filter=(--filter "Layer!=slow") ;;
  "") ;;
  *) echo "usage: bash tests/run-tests.sh [--fast]" >&2; exit 2 ;;
esac

command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required (dotnet not found on PATH)" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [ ! -f /usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz ]; then
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  $sudo apt-get update -qq && $sudo apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi
# strace and GNU time watch the real CLI: what it opens and sends, and its peak memory; shellcheck
# reads every script and every run: block of the action and the workflows.
if ! command -v strace >/dev/null || [ ! -x /usr/bin/time ] || ! command -v shellcheck >/dev/null; then
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  $sudo apt-get update -qq && $sudo apt-get install -y -qq strace time shellcheck >/dev/null
fi
# Installed anew when the lock file changed since the last install (a copy of it marks that install).
if ! cmp -s tests/tools/package-lock.json tests/tools/node_modules/.installed-from-lock.json; then
  npm ci --prefix tests/tools --no-audit --no-fund --silent
  cp tests/tools/package-lock.json tests/tools/node_modules/.installed-from-lock.json
fi

dotnet build SecMLOps.Gates.sln -c Release -nologo -v:minimal
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test SecMLOps.Gates.sln -c Release --no-build -nologo "${filter[@]}" 2>&1 | tee "$log"
code=${PIPESTATUS[0]}
set -e

# One closing line in the plain form CI reads: N passed, N failed, N skipped.
awk '/(Passed|Failed)!  - Failed:/ {
       gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
       seen = 1 }
     END { if (seen) printf "tests: %d passed, %d failed, %d skipped\n", p, f, s; else print "tests: no test summary found" }' "$log"
if ! grep -qE '(Passed|Failed)!  - Failed:' "$log"; then exit 1; fi
exit "$code"
