#!/usr/bin/env bash
# The main job on the bundled sample: `dotnet build` of samples/ModelService runs the gate with the
# passing policy (the build succeeds), then with the violated one (the build must fail), and the CLI
# writes the SARIF, JSON and Markdown reports under artifacts/sample/, taking the robustness and
# poisoning results the builds computed from their verdict cache. Needs the .NET 10 SDK.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required (dotnet not found on PATH)" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out=artifacts/sample
mkdir -p "$out"

echo "== dotnet build with the passing policy (policies/samples/model-service.yaml)"
dotnet build samples/ModelService -c Release -nologo -v:minimal

echo
echo "== dotnet build with the violated policy (policies/samples/model-service-violated.yaml): this build must fail"
if dotnet build samples/ModelService -c Release -nologo -v:minimal \
     -p:SecMLOpsPolicy=../../policies/samples/model-service-violated.yaml; then
  echo "the violated policy did not fail the build" >&2
  exit 1
fi

echo
echo "== secmlops-gate evaluate policies/samples (reports in $out/)"
set +e
dotnet src/SecMLOps.Gates.Cli/bin/Release/net10.0/secmlops-gate.dll evaluate policies/samples \
  --cache samples/ModelService/obj/Release/net10.0/secmlops-gate/verdict-cache \
  --sarif "$out/results.sarif" --json "$out/results.json" --summary "$out/summary.md"
code=$?
set -e
[ "$code" -eq 1 ] || { echo "expected exit code 1 (one policy violated), got $code" >&2; exit 1; }
echo
echo "Sample done: the passing policy passed, the violated one failed as it should. Reports: $out/"
