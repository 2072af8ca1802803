using System.Text;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Reporting;

/// <summary>A human summary for $GITHUB_STEP_SUMMARY and pull-request comments.</summary>
public static class MarkdownSummaryWriter
{
    public static string ToMarkdown(EvaluationReport report)
    {
        var text = new StringBuilder();
        var icon = report.Verdict switch { Verdict.Passed => "✅", Verdict.Failed => "❌", _ => "⛔" };
        text.AppendLine($"## {icon} SecMLOps gate: {report.Verdict.Word()}");
        text.AppendLine();
        text.AppendLine($"{report.Count(Outcome.Passed)} passed, {report.Count(Outcome.Failed)} failed " +
            $"({report.Findings.Count(f => f.IsWaived)} waived), {report.Count(Outcome.Skipped)} skipped, {report.Count(Outcome.Error)} errors.");
        text.AppendLine();
        text.AppendLine("| policy | version |");
        text.AppendLine("| --- | --- |");
        foreach (var policy in report.Policies)
            text.AppendLine($"| `{policy.Path}` | {Cell(policy.Version ?? "unreadable")} |");

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
                var mark = finding.IsWaived ? "waived" : finding.Blocks ? "**blocks**" : finding.Level;
                text.AppendLine($"| {mark} | {finding.Rule.Id} | {Cell(finding.Finding.Subject)} | `{finding.Finding.Locations.FirstOrDefault()}` | {Cell(finding.Finding.Message)} |");
            }
        }

        AppendCurves(text, report);

        var passed = report.Findings.Where(f => f.Outcome is Outcome.Passed or Outcome.Skipped).ToList();
        if (passed.Count > 0)
        {
            text.AppendLine();
            text.AppendLine($"<details><summary>{passed.Count} checks passed or skipped</summary>");
            text.AppendLine();
            text.AppendLine("| rule | subject | outcome | message |");
            text.AppendLine("| --- | --- | --- | --- |");
            foreach (var finding in passed)
                text.AppendLine($"| {finding.Rule.Id} | {Cell(finding.Finding.Subject)} | {finding.Outcome.ToString().ToLowerInvariant()} | {Cell(finding.Finding.Message)} |");
            text.AppendLine();
            text.AppendLine("</details>");
        }
        return text.ToString();
    }

    /// <summary>Robust accuracy by attack and strength, for findings that measured it (the robustness gate's).</summary>
    private static void AppendCurves(StringBuilder text, EvaluationReport report)
    {
        foreach (var rule in report.Findings.Where(f => f.Finding.Properties?.ContainsKey("robustAccuracy") == true).GroupBy(f => f.Rule.Id))
        {
            var rows = rule.Select(f => f.Finding.Properties!)
                .Select(p => (Attack: p.TryGetValue("xi", out var xi) ? $"{p["attack"]} (xi={Number(xi)})" : $"{p["attack"]}", Eps: Number(p["eps"]), Robust: Convert.ToDouble(p["robustAccuracy"], System.Globalization.CultureInfo.InvariantCulture)))
                .ToList();
            var strengths = rows.Select(r => r.Eps).Distinct().OrderBy(e => double.Parse(e, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            text.AppendLine();
            text.AppendLine($"### Robustness curve: {rule.Key}");
            text.AppendLine();
            text.AppendLine($"| attack | {string.Join(" | ", strengths.Select(e => $"eps {e}"))} |");
            text.AppendLine($"| --- |{string.Concat(strengths.Select(_ => " --- |"))}");
            foreach (var attack in rows.GroupBy(r => r.Attack))
                text.AppendLine($"| {attack.Key} | {string.Join(" | ", strengths.Select(e => attack.FirstOrDefault(r => r.Eps == e) is { Attack: not null } r ? $"{r.Robust:P1}" : ""))} |");
        }
    }

    private static string Number(object value) => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!;

    private static string Cell(string text) => text.Replace("|", "\\|").Replace("\r", "").Replace("\n", "<br>");
}
