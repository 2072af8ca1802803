#!/usr/bin/env bash
# On pull requests: classify every policy and threat-model change between the base commit and HEAD,
# append the Markdown to the job summary, optionally post it as a pull-request comment, and write
# the step outputs. Exits 0 whenever it produced a report; the action's last step fails the job on
# should-fail=true (a weakening without a metadata.version bump).
#
# Inputs (environment): BASE_REF (commit or ref), INPUT_COMMENT (true/false), PR_NUMBER, GH_TOKEN;
# GITHUB_WORKSPACE, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY. SECMLOPS_GATE_CLI may name a built
# secmlops-gate.dll; otherwise the one run-gate.sh built is used.
set -euo pipefail

action_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
workspace=${GITHUB_WORKSPACE:?GITHUB_WORKSPACE is not set}
base=${BASE_REF:?BASE_REF is not set}
cli=${SECMLOPS_GATE_CLI:-$action_root/artifacts/action-cli/secmlops-gate.dll}
[ -f "$cli" ] || { echo "::error::secmlops-gate is not built at $cli"; exit 2; }

# A shallow checkout may lack the base commit.
if ! git -C "$workspace" cat-file -e "$base^{commit}" 2>/dev/null; then
  git -C "$workspace" fetch --no-tags --depth=1 origin "$base" >&2
fi

out="$workspace/.secmlops-gate"
mkdir -p "$out"
set +e
dotnet "$cli" diff "$base" HEAD --repo-root "$workspace" \
  --markdown "$out/policy-diff.md" --sarif "$out/policy-diff.sarif" --json "$out/policy-diff.json" >/dev/null
code=$?
set -e
case $code in 0|1) ;; *) echo "::error::secmlops-gate diff failed with exit code $code"; exit "$code" ;; esac

weakenings=$(grep -c '"effect": "weakening"' "$out/policy-diff.json" || true)
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$out/policy-diff.md" >>"$GITHUB_STEP_SUMMARY"; fi
if [ "${INPUT_COMMENT:-false}" = "true" ] && [ -n "${PR_NUMBER:-}" ]; then
  gh pr comment "$PR_NUMBER" --body-file "$out/policy-diff.md" >&2 || echo "::warning::could not post the policy diff as a comment"
fi
{
  echo "weakenings=$weakenings"
  echo "should-fail=$([ "$code" -eq 1 ] && echo true || echo false)"
  echo "sarif-file=$out/policy-diff.sarif"
} >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
echo "secmlops-gate diff: $weakenings weakening change(s), exit code $code"
