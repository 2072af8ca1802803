using System.Text.Json;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Reporting.Sarif;

/// <summary>
/// Writes a report as SARIF 2.1.0 for code scanning. The log is deterministic (no timestamps, no
/// absolute paths): the same policy gives the same bytes from every front end.
/// </summary>
public static class SarifReportWriter
{
    public const string SourceRoot = "%SRCROOT%";
    public const string FingerprintKey = "secmlopsFinding/v1";
    public const string PrimaryLocationLineHash = "primaryLocationLineHash";

    /// <summary>The analysis category of the gate's results; the policy diff uploads its own.</summary>
    public const string GateCategory = "secmlops-gate";

    public static string ToJson(EvaluationReport report, string category = GateCategory) => JsonSerializer.Serialize(Build(report, category), FindingJson.Options) + "\n";

    public static SarifLog Build(EvaluationReport report, string category = GateCategory)
    {
        var rules = report.Rules.ToList();
        var index = rules.Select((r, i) => (r.Id, i)).ToDictionary(p => p.Id, p => p.i);
        var reported = report.Findings.Where(f => f.Outcome is Outcome.Failed or Outcome.Error).ToList();
        var lineHashes = LineHashes(reported);
        var results = reported.Select((f, i) => Result(f, index[f.Rule.Id], lineHashes[i])).ToList();
        var driver = new SarifDriver(ToolInfo.Name, ToolInfo.Version, ToolInfo.Version, ToolInfo.InformationUri, rules.Select(Descriptor).ToList());
        var run = new SarifRun(
            new SarifTool(driver),
            new SarifRunAutomationDetails($"{category}/"),
            [new SarifInvocation(report.Verdict != Verdict.Error, report.ExitCode)],
            new Dictionary<string, SarifArtifactLocation>
            {
                [SourceRoot] = new(Description: new SarifMessage("The root of the repository the policies live in.")),
            },
            results);
        return new SarifLog("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json", "2.1.0", [run]);
    }

    private static SarifReportingDescriptor Descriptor(RuleDescriptor rule) => new(
        rule.Id,
        rule.Name,
        new SarifMessage(rule.ShortDescription),
        new SarifMessage(rule.FullDescription),
        new SarifMultiformatMessage(rule.Help, $"{rule.Help}\n\n[Documentation]({rule.HelpUri})"),
        rule.HelpUri,
        new SarifConfiguration("error"),
        new SortedDictionary<string, object>(StringComparer.Ordinal)
        {
            ["security-severity"] = rule.Severity.SecuritySeverity(),
            ["tags"] = new[] { "security", "secmlops", rule.Name },
        });

    /// <summary>
    /// Code scanning keys an alert on its rule and primaryLocationLineHash, which upload-sarif would
    /// otherwise compute from the text of the flagged line: findings on one line (six STRIDE
    /// categories of one element) would merge into one alert, and an edit of that line would reopen
    /// them as new ones. The gate's hash is of what identifies the finding (rule, subject, file), so
    /// distinct findings get distinct hashes (an ordinal settles the rare tie) and an unrelated edit
    /// changes none.
    /// </summary>
    private static IReadOnlyList<string> LineHashes(IReadOnlyList<ReportedFinding> findings)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        return findings.Select(f =>
        {
            var identity = $"{f.Rule.Id}\n{f.Finding.Subject}\n{f.Finding.Locations.FirstOrDefault()?.Path}";
            var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(identity)))[..16];
            var ordinal = seen[hash] = seen.GetValueOrDefault(hash) + 1;
            return $"{hash}:{ordinal}";
        }).ToList();
    }

    private static SarifResult Result(ReportedFinding finding, int ruleIndex, string lineHash) => new(
        finding.Rule.Id,
        ruleIndex,
        "fail",
        finding.Level,
        new SarifMessage(finding.Finding.Message),
        finding.Finding.Locations.Select((l, i) => Location(l, i)).ToList(),
        new SortedDictionary<string, string>(StringComparer.Ordinal) { [FingerprintKey] = finding.Finding.Fingerprint, [PrimaryLocationLineHash] = lineHash },
        finding.IsWaived
            ? [new SarifSuppression("external", "accepted", finding.Waiver!.Justification)]
            : null,
        Properties(finding));

    private static SarifLocation Location(SourceLocation location, int id) => new(new SarifPhysicalLocation(
        new SarifArtifactLocation(Uri: Uri.EscapeDataString(location.Path).Replace("%2F", "/"), UriBaseId: SourceRoot),
        location.Line > 0 ? new SarifRegion(location.Line, Math.Max(location.Column, 1)) : null), id);

    private static IReadOnlyDictionary<string, object> Properties(ReportedFinding finding)
    {
        var properties = new SortedDictionary<string, object>(StringComparer.Ordinal)
        {
            ["outcome"] = finding.Outcome.ToString().ToLowerInvariant(),
            ["subject"] = finding.Finding.Subject,
        };
        foreach (var (key, value) in finding.Finding.Properties ?? new Dictionary<string, object>())
            properties[key] = value;
        return properties;
    }
}
