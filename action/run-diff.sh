#!/usr/bin/env bash
# The GitHub Action's pull-request step: classify every policy and threat-model change between the
# base commit and HEAD, keep the reports beside the gate's, append the Markdown to the job summary,
# keep one pull-request comment up to date with it (found by a hidden marker and edited, never a
# new comment per push) and write the step outputs. Exits 0 whenever it produced a report; the
# action's last step fails the job on should-fail=true (a weakening without a major metadata.version
# bump, or with INPUT_FAIL_ON_WEAKENING=true any weakening).
#
# Inputs (environment): BASE_REF (commit or ref), INPUT_COMMENT (true/false), INPUT_FAIL_ON_WEAKENING
# (true/false), PR_NUMBER, GH_TOKEN,
# SECMLOPS_GATE (the tool's executable, or a built secmlops-gate.dll), REPORT_DIR;
# GITHUB_REPOSITORY, GITHUB_WORKSPACE, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY.
set -euo pipefail

workspace=${GITHUB_WORKSPACE:?GITHUB_WORKSPACE is not set}
base=${BASE_REF:?BASE_REF is not set}
tool=${SECMLOPS_GATE:?SECMLOPS_GATE is not set}
reports=${REPORT_DIR:?REPORT_DIR is not set}
marker='<!-- secmlops-gate:policy-diff -->'
case "$tool" in *.dll) run=(dotnet "$tool") ;; *) run=("$tool") ;; esac

# A shallow checkout may lack the base commit.
if ! git -C "$workspace" cat-file -e "$base^{commit}" 2>/dev/null; then
  git -C "$workspace" fetch --no-tags --depth=1 origin "$base" >&2
fi

mkdir -p "$reports"
strict=()
case "${INPUT_FAIL_ON_WEAKENING:-false}" in
  true) strict=(--fail-on-weakening) ;;
  false) ;;
  *) echo "::error::fail-on-weakening must be true or false, not '${INPUT_FAIL_ON_WEAKENING}'"; exit 2 ;;
esac
set +e
(cd "$workspace" && "${run[@]}" diff "$base" HEAD --repo-root "$workspace" "${strict[@]}" \
  --markdown "$reports/policy-diff.md" --sarif "$reports/policy-diff.sarif" --json "$reports/policy-diff.json" >/dev/null)
code=$?
set -e
case $code in 0|1) ;; *) echo "::error::secmlops-gate diff failed with exit code $code"; exit "$code" ;; esac

weakenings=$(jq '[.. | objects | select(.effect? == "weakening")] | length' "$reports/policy-diff.json")
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  # A blank line first: the gate's summary may end in an HTML block, which only a blank line closes.
  { echo; cat "$reports/policy-diff.md"; } >>"$GITHUB_STEP_SUMMARY"
fi

if [ "${INPUT_COMMENT:-false}" = "true" ] && [ -n "${PR_NUMBER:-}" ]; then
  body=$(printf '%s\n\n%s' "$marker" "$(cat "$reports/policy-diff.md")")
  comments="repos/${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set}/issues/$PR_NUMBER/comments"
  if existing=$(gh api --paginate "$comments" --jq ".[] | select(.body | startswith(\"$marker\")) | .id" 2>/dev/null | head -n 1); then
    if [ -n "$existing" ]; then
      gh api -X PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$existing" -f body="$body" >/dev/null \
        || echo "::warning::could not update the policy-diff comment (needs pull-requests: write)"
    else
      gh api -X POST "$comments" -f body="$body" >/dev/null \
        || echo "::warning::could not post the policy-diff comment (needs pull-requests: write)"
    fi
  else
    echo "::warning::could not read the pull request's comments"
  fi
fi
{
  echo "weakenings=$weakenings"
  echo "should-fail=$([ "$code" -eq 1 ] && echo true || echo false)"
  echo "sarif-file=$reports/policy-diff.sarif"
} >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
echo "secmlops-gate diff: $weakenings weakening change(s), exit code $code"
