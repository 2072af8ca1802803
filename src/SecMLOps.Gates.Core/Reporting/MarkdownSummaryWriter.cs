using System.Text;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Reporting;

/// <summary>
/// A human summary for $GITHUB_STEP_SUMMARY and pull-request comments: the verdict, what blocks,
/// each gate's own section (a gate writes it; this writer does not read gates' data), then the rest
/// folded away. An HTML block ends only at a blank line (CommonMark), so one follows every tag.
/// </summary>
public static class MarkdownSummaryWriter
{
    public static string ToMarkdown(EvaluationReport report)
    {
        var text = new StringBuilder();
        var icon = report.Verdict switch { Verdict.Passed => "✅", Verdict.Failed => "❌", _ => "⛔" };
        text.AppendLine($"## {icon} SecMLOps gate: {report.Verdict.Word()}");
        text.AppendLine();
        text.AppendLine(Counts(report));
        text.AppendLine();
        text.AppendLine("| policy | version |");
        text.AppendLine("| --- | --- |");
        foreach (var policy in report.Policies)
            text.AppendLine($"| `{policy.Path}` | {Cell(policy.Version ?? "unreadable")} |");
        // The reviewer's first question: which model was judged. The full list of inputs closes the summary.
        var models = report.Inputs.Where(i => i.Role is "model" or "baseline model").OrderBy(i => i.Role != "model").ToList();
        if (models.Count > 0)
        {
            text.AppendLine();
            foreach (var model in models)
                text.AppendLine($"{(model.Role == "model" ? "Model" : "Baseline model")}: `{model.Path}`, sha256 `{model.Sha256 ?? "unreadable"}`  ");
        }

        var problems = report.Findings.Where(f => f.Outcome is Outcome.Failed or Outcome.Error).ToList();
        if (problems.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("### Findings");
            text.AppendLine();
            text.AppendLine("| | rule | subject | where | message |");
            text.AppendLine("| --- | --- | --- | --- | --- |");
            foreach (var finding in problems)
            {
                var mark = finding.IsWaived ? finding.Waiver!.Baseline is null ? "waived" : "accepted (baseline)"
                    : finding.Blocks ? "**blocks**"
                    : finding.IsBelowFailOn ? "below --fail-on"
                    : finding.Level;
                text.AppendLine($"| {mark} | {finding.Rule.Id} | {Cell(finding.Finding.Subject)} | `{finding.Finding.Locations.FirstOrDefault()}` | {Cell(finding.Finding.Message)} |");
            }
        }

        // Code scanning shows only open alerts: what was waived or accepted, by whom and until when, is listed here.
        var waived = problems.Where(f => f.IsWaived).ToList();
        if (waived.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("### Waived and accepted");
            text.AppendLine();
            text.AppendLine("| rule | subject | owner | reason | ticket | until | by |");
            text.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
            foreach (var finding in waived)
            {
                var waiver = finding.Waiver!;
                text.AppendLine($"| {finding.Rule.Id} | {Cell(finding.Finding.Subject)} | {Cell(waiver.Owner)} | {Cell(waiver.Reason)} | {Cell(waiver.Ticket ?? "")} | {waiver.Expires.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)} | {(waiver.Baseline is null ? "policy waiver" : $"baseline `{waiver.Baseline}`")} |");
            }
        }

        foreach (var section in report.Sections)
        {
            text.AppendLine();
            text.Append(section.Markdown.TrimEnd('\n')).AppendLine();
        }

        var rest = report.Findings.Where(f => f.Outcome is Outcome.Passed or Outcome.Skipped or Outcome.Informational).ToList();
        if (rest.Count > 0)
        {
            text.AppendLine();
            text.AppendLine($"<details><summary>{rest.Count} checks passed, skipped or reported for information</summary>");
            text.AppendLine();
            text.AppendLine("| rule | subject | outcome | message |");
            text.AppendLine("| --- | --- | --- | --- |");
            foreach (var finding in rest)
                text.AppendLine($"| {finding.Rule.Id} | {Cell(finding.Finding.Subject)} | {finding.Outcome.ToString().ToLowerInvariant()} | {Cell(finding.Finding.Message)} |");
            text.AppendLine();
            text.AppendLine("</details>");
            text.AppendLine();
        }
        if (report.Inputs.Count > 0)
        {
            text.AppendLine();
            text.AppendLine($"<details><summary>{report.Inputs.Count} input files</summary>");
            text.AppendLine();
            text.AppendLine("| file | declared as | sha256 |");
            text.AppendLine("| --- | --- | --- |");
            foreach (var input in report.Inputs.OrderBy(i => i.Role is "model" ? 0 : i.Role is "baseline model" ? 1 : 2))
                text.AppendLine($"| `{input.Path}` | {Cell(input.Role ?? "")} | `{input.Sha256 ?? "unreadable"}` |");
            text.AppendLine();
            text.AppendLine("</details>");
            text.AppendLine();
        }
        return text.ToString();
    }

    public static string Counts(EvaluationReport report) =>
        $"{report.Count(Outcome.Passed)} passed, {report.Count(Outcome.Failed)} failed ({report.Findings.Count(f => f.IsWaived)} waived), " +
        $"{report.Count(Outcome.Skipped)} skipped, {report.Count(Outcome.Error)} errors, {report.Count(Outcome.Informational)} informational.";

    /// <summary>Escapes a table cell: pipes, line breaks and the HTML a message could carry.</summary>
    public static string Cell(string text) =>
        System.Net.WebUtility.HtmlEncode(text).Replace("|", "\\|").Replace("\r", "").Replace("\n", "<br>");
}
