#!/usr/bin/env bash
# The GitHub Action's logic: build the CLI from the action's own checkout, evaluate the policies,
# append the Markdown summary to the job summary and write the step outputs. It exits 0 whenever it
# produced a verdict, so the SARIF upload still runs; the action's last step fails the job on
# should-fail=true. It exits non-zero only when no verdict could be produced.
#
# Inputs (environment): INPUT_POLICY, INPUT_SARIF_FILE, INPUT_FAIL_ON, INPUT_TORCH_BACKEND;
# GITHUB_WORKSPACE, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY. SECMLOPS_GATE_CLI may name a built
# secmlops-gate.dll to use instead of building one.
set -euo pipefail

action_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
workspace=${GITHUB_WORKSPACE:?GITHUB_WORKSPACE is not set}
sarif=${INPUT_SARIF_FILE:-secmlops-gate.sarif}
fail_on=${INPUT_FAIL_ON:-violation}
backend=${INPUT_TORCH_BACKEND:-cpu}

case "$fail_on" in violation|error|never) ;; *) echo "::error::fail-on must be violation, error or never, not '$fail_on'"; exit 2 ;; esac
case "$backend" in cpu|cuda) ;; *) echo "::error::torch-backend must be cpu or cuda, not '$backend'"; exit 2 ;; esac
[ -n "${INPUT_POLICY:-}" ] || { echo "::error::the policy input is empty"; exit 2; }

cli=${SECMLOPS_GATE_CLI:-}
if [ -z "$cli" ]; then
  out="$action_root/artifacts/action-cli"
  dotnet build "$action_root/src/SecMLOps.Gates.Cli/SecMLOps.Gates.Cli.csproj" -c Release -o "$out" \
    -p:SecMLOpsTorchBackend="$backend" -nologo -v:quiet >&2
  cli="$out/secmlops-gate.dll"
fi

case "$sarif" in /*) sarif_path=$sarif ;; *) sarif_path="$workspace/$sarif" ;; esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

read -r -a policies <<<"$(echo "$INPUT_POLICY" | tr '\n' ' ')"
set +e
(cd "$workspace" && dotnet "$cli" evaluate "${policies[@]}" --repo-root "$workspace" \
  --sarif "$sarif_path" --summary "$work/summary.md" --json "$work/summary.json")
code=$?
set -e

case $code in
  0) result=pass ;;
  1) result=fail ;;
  2) result=error ;;
  *) echo "::error::secmlops-gate failed with exit code $code"; exit "$code" ;;
esac

should_fail=false
case "$fail_on" in
  violation) [ "$code" -ne 0 ] && should_fail=true ;;
  error) [ "$code" -eq 2 ] && should_fail=true ;;
esac

if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$work/summary.md" ]; then
  cat "$work/summary.md" >>"$GITHUB_STEP_SUMMARY"
fi
{
  echo "result=$result"
  echo "exit-code=$code"
  echo "should-fail=$should_fail"
  if [ -f "$sarif_path" ]; then echo "sarif-file=$sarif_path"; else echo "sarif-file="; fi
} >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
echo "secmlops-gate: $result (exit code $code, fail-on $fail_on)"
