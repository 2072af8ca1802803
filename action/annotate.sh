#!/usr/bin/env bash
# The GitHub Action's fallback when code scanning refused the SARIF upload (a pull request from a
# fork has a read-only token; a private repository without code scanning answers 403): the gate's
# failing and erring findings become workflow annotations at their file and line, and the job
# summary says why. The job's result stays what the gate decided; this step never fails it.
#
# Inputs (environment): REPORT_DIR (holding summary.json); GITHUB_STEP_SUMMARY.
set -euo pipefail

reports=${REPORT_DIR:?REPORT_DIR is not set}
summary="$reports/summary.json"
[ -f "$summary" ] || { echo "::warning::no gate summary to annotate from"; exit 0; }

# Annotation properties and messages escape %, CR and LF (and , and : in properties), as the
# workflow-command format requires.
jq -r '
  def data: gsub("%"; "%25") | gsub("\r"; "%0D") | gsub("\n"; "%0A");
  def property: data | gsub(":"; "%3A") | gsub(","; "%2C");
  .findings[]
  | select((.outcome == "failed" or .outcome == "error") and .waiver == null)
  | (.locations[0] // {path: "", line: 0, column: 0}) as $at
  | "::\(if .blocks then "error" else "warning" end) file=\($at.path | property),line=\([$at.line, 1] | max),col=\([$at.column, 1] | max),title=\(.ruleId | property)::\(.message | data)"
' "$summary"

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  {
    echo
    echo "> Code scanning did not accept the SARIF upload (a pull request from a fork gets a read-only token; a repository without code scanning answers 403)."
    echo "> The findings are shown as annotations on this run instead; the job's result is the gate's."
  } >>"$GITHUB_STEP_SUMMARY"
fi
