using System.Text;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Diff;

/// <summary>Turns a policy diff into the engine's report (for SARIF and JSON) and into Markdown for a pull request.</summary>
public static class DiffReports
{
    /// <summary>The code-scanning category of the diff's SARIF, beside the gate's own.</summary>
    public const string SarifCategory = "secmlops-policy-diff";

    /// <summary>Weakenings are warnings; a weakening without a version bump blocks; unreadable files are errors.</summary>
    public static EvaluationReport ToEvaluationReport(PolicyDiffReport diff)
    {
        var findings = new List<ReportedFinding>();
        foreach (var file in diff.Files)
        {
            foreach (var change in file.Changes)
            {
                var finding = new Finding(EngineRules.PolicyWeakened.Id,
                    change.Effect == ChangeEffect.Weakening ? Outcome.Failed : Outcome.Passed,
                    $"{file.Path}#{change.Subject}", Describe(change), [change.Location],
                    new Dictionary<string, object> { ["effect"] = change.Effect.ToString().ToLowerInvariant(), ["old"] = change.OldValue ?? "", ["new"] = change.NewValue ?? "" });
                findings.Add(new ReportedFinding(finding, EngineRules.PolicyWeakened, Enforcement.Advisory, null));
            }
            if (file.MissesVersionBump)
            {
                var finding = Finding.Failed(EngineRules.WeakeningWithoutVersionBump.Id, file.Path,
                    file.HeadVersion is null
                        ? $"{file.Path} removes the {file.Kind} (version {file.BaseVersion}); a removal has no version to raise, so it blocks until a reviewer approves it"
                        : $"{file.Path} weakens the {file.Kind} but metadata.version {file.HeadVersion} keeps the major version of {file.BaseVersion}; a weakening raises it (to {SemanticVersion.Major(file.BaseVersion!) + 1}.0.0)",
                    file.Changes.First(c => c.Effect == ChangeEffect.Weakening).Location);
                findings.Add(new ReportedFinding(finding, EngineRules.WeakeningWithoutVersionBump, Enforcement.HardMandatory, null));
            }
        }
        findings.AddRange(diff.Errors.Select(e => new ReportedFinding(e, EngineRules.ById(e.RuleId), Enforcement.HardMandatory, null)));
        var rules = findings.Select(f => f.Rule).DistinctBy(r => r.Id).OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
        var policies = diff.Files.Select(f => new EvaluatedPolicy(f.Path, f.Kind, f.HeadVersion)).ToList();
        return new EvaluationReport(policies, findings, rules, diff.Files.Select(f => new InputFile(f.Path, null)).ToList());
    }

    public static string ToMarkdown(PolicyDiffReport diff)
    {
        var text = new StringBuilder();
        var changes = diff.Changes.ToList();
        var weakening = changes.Count(c => c.Effect == ChangeEffect.Weakening);
        text.AppendLine($"## {(weakening > 0 ? "⚠️" : "✅")} Policy changes: {diff.BaseName} → {diff.HeadName}");
        text.AppendLine();
        text.AppendLine($"{weakening} weakening, {changes.Count(c => c.Effect == ChangeEffect.Strengthening)} strengthening, {changes.Count(c => c.Effect == ChangeEffect.Neutral)} neutral.");
        foreach (var error in diff.Errors)
            text.AppendLine($"\n⛔ `{error.Locations.FirstOrDefault()}`: {error.Message}");
        foreach (var file in diff.Files)
        {
            text.AppendLine();
            text.AppendLine($"### `{file.Path}` ({file.Kind}, version {file.BaseVersion ?? "none"} → {file.HeadVersion ?? "removed"})");
            if (file.MissesVersionBump)
                text.AppendLine(file.HeadVersion is null
                    ? $"\n⛔ This change removes the {file.Kind}: a removal has no `metadata.version` to raise, so it needs a reviewer's approval."
                    : $"\n⛔ This file weakens the {file.Kind} without raising `metadata.version`.");
            text.AppendLine();
            text.AppendLine("| effect | change | old | new |");
            text.AppendLine("| --- | --- | --- | --- |");
            foreach (var change in file.Changes.OrderBy(c => c.Effect).ThenBy(c => c.Location.Line))
                text.AppendLine($"| {Effect(change.Effect)} | {Cell(change.Description)} | {Cell(change.OldValue)} | {Cell(change.NewValue)} |");
        }
        if (diff.Files.Count == 0)
            text.AppendLine("\nNo policy or threat model changed.");
        return text.ToString();
    }

    private static string Describe(PolicyChange change) =>
        change.OldValue is null && change.NewValue is null ? change.Description
        : $"{change.Description}: {change.OldValue ?? "(none)"} → {change.NewValue ?? "(none)"}";

    private static string Effect(ChangeEffect effect) => effect switch
    {
        ChangeEffect.Weakening => "🔻 weakening",
        ChangeEffect.Strengthening => "🔺 strengthening",
        _ => "neutral",
    };

    private static string Cell(string? text) => text is null ? "" : $"`{text.Replace("|", "\\|").Replace("`", "'").ReplaceLineEndings(" ")}`";
}
