using System.Text.Json;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Reporting;

/// <summary>
/// A machine-readable summary: verdict, counts, every finding (passed ones too) and the input files.
/// The MSBuild task reads it to log diagnostics; paths are repository-relative.
/// </summary>
public static class JsonSummaryWriter
{
    public static string ToJson(EvaluationReport report, RepositoryRoot root) =>
        JsonSerializer.Serialize(Build(report, root), FindingJson.Options) + "\n";

    public static JsonSummary Build(EvaluationReport report, RepositoryRoot root) => new(
        ToolInfo.Name,
        ToolInfo.Version,
        report.Verdict.Word(),
        report.ExitCode,
        root.FullPath,
        new JsonCounts(report.Count(Outcome.Passed), report.Count(Outcome.Failed), report.Count(Outcome.Skipped), report.Count(Outcome.Error),
            report.Findings.Count(f => f.IsWaived), report.Count(Outcome.Informational)),
        report.Policies.Select(p => new JsonPolicy(p.Path, p.Name, p.Version)).ToList(),
        report.Findings.Select(f => new JsonFinding(
            f.Rule.Id,
            f.Outcome.ToString().ToLowerInvariant(),
            f.Level,
            f.Blocks,
            f.Finding.Subject,
            f.Finding.Message,
            f.Finding.Locations.Select(l => new JsonLocation(l.Path, l.Line, l.Column)).ToList(),
            f.Finding.Properties,
            f.IsWaived ? new JsonWaiver(f.Waiver!.Owner, f.Waiver.Reason, f.Waiver.Ticket, f.Waiver.Expires.ToString("yyyy-MM-dd"), f.Waiver.Baseline) : null)).ToList(),
        report.Inputs.Select(i => new JsonInput(i.Path, i.Sha256, i.Role)).ToList(),
        report.ValidUntil?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        report.Outputs);
}
