#!/usr/bin/env bash
# The GitHub Action's gate step: evaluate the policies with the installed tool, keep every report
# (SARIF, JSON, Markdown) and every file the rules wrote (plots, quarantine files) in one folder for
# the workflow artifact, append the Markdown to the job summary and write the step outputs. It exits
# 0 whenever the tool reached a verdict or reported an input error, so the SARIF upload still runs;
# the action's last step fails the job on should-fail=true.
#
# Code scanning reads no SARIF suppressions, so the SARIF it is given (upload-sarif-file) holds the
# open results only; the full SARIF, waived and accepted results included, stays with the reports
# and the Markdown summary lists those with owner, reason and expiry. The upload category is
# INPUT_CATEGORY or, when empty, one derived from the policy, rules and baseline inputs, so that two
# uses of the action in one workflow run (a matrix over models) never replace each other's analysis.
#
# Inputs (environment, never interpolated into the script): INPUT_POLICY, INPUT_FAIL_ON,
# INPUT_BASELINE, INPUT_RULES, INPUT_SARIF_FILE, INPUT_CATEGORY; SECMLOPS_GATE (the tool's
# executable, or a built secmlops-gate.dll); REPORT_DIR; VERDICT_CACHE (a folder, or empty for
# none); GITHUB_WORKSPACE, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY; GITHUB_WORKFLOW_REF and
# GITHUB_REPOSITORY (the calling workflow, read for a path filter).
set -euo pipefail

workspace=${GITHUB_WORKSPACE:?GITHUB_WORKSPACE is not set}
tool=${SECMLOPS_GATE:?SECMLOPS_GATE is not set}
reports=${REPORT_DIR:?REPORT_DIR is not set}
fail_on=${INPUT_FAIL_ON:-low}
command -v jq >/dev/null || { echo "::error::jq is required (it is on GitHub's runners)"; exit 2; }

case "$fail_on" in
  critical|high|medium|low) severity=$fail_on ;;
  never) severity=low ;;
  *) echo "::error::fail-on must be critical, high, medium, low or never, not '$fail_on'"; exit 2 ;;
esac
[ -n "${INPUT_POLICY:-}" ] || { echo "::error::the policy input is empty"; exit 2; }

case "$tool" in *.dll) run=(dotnet "$tool") ;; *) run=("$tool") ;; esac
mkdir -p "$reports"

# A workflow whose on: lists paths (or paths-ignore) never runs the gate on a pull request that changes
# only another file a policy reads: training data, a golden set, images, evidence, a lineage. init
# wrote such a filter before it wrote none; the job cannot fix it, but it says so where it is read.
workflow=${GITHUB_WORKFLOW_REF:-}
workflow=${workflow#"${GITHUB_REPOSITORY:-}/"}
workflow=${workflow%%@*}
if [ -n "$workflow" ] && [ -f "$workspace/$workflow" ] && awk '
    /^(on|"on"|\047on\047)[[:space:]]*:/ { inside = 1; if ($0 ~ /paths(-ignore)?[[:space:]]*:/) found = 1; next }
    /^[^[:space:]#]/ { inside = 0 }
    inside && /^[[:space:]]+(paths|paths-ignore)[[:space:]]*:/ { found = 1 }
    END { exit !found }' "$workspace/$workflow"; then
  filtered="$workflow runs the gate only when the paths its on: filter names change, so a pull request that changes only another file a policy reads (training data, a golden set, images, evidence, a lineage) is never gated: remove paths and paths-ignore (the verdict cache answers unchanged rules)"
  echo "::warning file=$workflow::$filtered"
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then printf '> **Warning:** %s.\n\n' "$filtered" >>"$GITHUB_STEP_SUMMARY"; fi
fi
sarif=${INPUT_SARIF_FILE:-$reports/secmlops-gate.sarif}
case "$sarif" in /*) ;; *) sarif="$workspace/$sarif" ;; esac

read -r -a policies <<<"$(printf '%s' "$INPUT_POLICY" | tr '\n' ' ')"
options=(--repo-root "$workspace" --fail-on "$severity" --sarif "$sarif" --summary "$reports/summary.md" --json "$reports/summary.json")
[ -n "${INPUT_BASELINE:-}" ] && options+=(--baseline "$INPUT_BASELINE")
[ -n "${VERDICT_CACHE:-}" ] && options+=(--cache "$VERDICT_CACHE")
for rule in $(printf '%s' "${INPUT_RULES:-}" | tr '\n,' '  '); do options+=(--rule "$rule"); done

set +e
(cd "$workspace" && "${run[@]}" evaluate "${policies[@]}" "${options[@]}")
code=$?
set -e

case $code in
  0) result=pass ;;
  1) result=fail ;;
  2) result=error ;;
  *) echo "::error::secmlops-gate failed with exit code $code"; result=error ;;
esac
should_fail=false
[ "$fail_on" != never ] && [ "$code" -ne 0 ] && should_fail=true

# The files the rules wrote go beside the reports, under their repository paths.
if [ -f "$reports/summary.json" ]; then
  while IFS= read -r output; do
    if [ -z "$output" ] || [ ! -f "$workspace/$output" ]; then continue; fi
    mkdir -p "$reports/outputs/$(dirname "$output")"
    cp "$workspace/$output" "$reports/outputs/$output"
  done < <(jq -r '.outputs // [] | .[]' "$reports/summary.json")
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$reports/summary.md" ]; then
  cat "$reports/summary.md" >>"$GITHUB_STEP_SUMMARY"
fi
upload=
if [ -f "$sarif" ]; then
  upload="$reports/code-scanning.sarif"
  jq '.runs |= map(.results |= map(select((.suppressions // []) | length == 0)))' "$sarif" >"$upload"
fi
category=${INPUT_CATEGORY:-}
if [ -z "$category" ]; then
  category="secmlops-gate/$(printf '%s\n%s\n%s' "$INPUT_POLICY" "${INPUT_RULES:-}" "${INPUT_BASELINE:-}" | sha256sum | cut -c1-12)"
fi
{
  echo "result=$result"
  echo "exit-code=$code"
  echo "should-fail=$should_fail"
  if [ -f "$sarif" ]; then echo "sarif-file=$sarif"; else echo "sarif-file="; fi
  echo "upload-sarif-file=$upload"
  echo "category=$category"
  echo "report-dir=$reports"
} >>"${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
echo "secmlops-gate: $result (exit code $code, fail-on $fail_on)"
