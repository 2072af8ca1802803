using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Reporting;
using SecMLOps.Gates.Reporting.Sarif;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Reporting;

public sealed class SarifReportWriterTests
{
    private static string Sarif(ScratchRepository repo, string policyText, string threatModel)
    {
        repo.Write("threat-model.yaml", threatModel);
        var policy = repo.Write("policy.yaml", policyText);
        return SarifReportWriter.ToJson(new GateEngine(BuiltInGates.Registry).Evaluate(new EvaluationRequest([policy], repo.Root, Support.Policies.Today)));
    }

    private static readonly string UnassessedProcess = Support.Policies.ThreatModel("""
            - id: P-1
              name: Trainer
              type: process
              threats:
                - {category: S, likelihood: H, impact: severe, status: open, assessed: 2026-11-01}
        """);

    [FixtureFact]
    public void Failing_report_is_valid_sarif_with_located_results_and_declared_rules()
    {
        using var repo = new ScratchRepository();
        var sarif = Sarif(repo, Support.Policies.StridePolicy(), UnassessedProcess);
        SarifSchema.AssertValid(sarif);
        var results = JToken.Parse(sarif)["runs"]![0]!["results"]!;
        Assert.Equal(6, results.Count());
        Assert.All(results, r => Assert.Equal("%SRCROOT%", (string?)r["locations"]![0]!["physicalLocation"]!["artifactLocation"]!["uriBaseId"]));
        Assert.All(results, r => Assert.Equal("threat-model.yaml", (string?)r["locations"]![0]!["physicalLocation"]!["artifactLocation"]!["uri"]));
        var rule = JToken.Parse(sarif)["runs"]![0]!["tool"]!["driver"]!["rules"]![0]!;
        Assert.Equal("8.0", (string?)rule["properties"]!["security-severity"]);
        Assert.NotNull(rule["help"]!["text"]);
    }

    [FixtureFact]
    public void Error_report_is_valid_sarif_and_declares_the_engine_rule()
    {
        using var repo = new ScratchRepository();
        var sarif = Sarif(repo, Support.Policies.StridePolicy().Replace("severity: high", "severity: high\n      colour: red"), UnassessedProcess);
        SarifSchema.AssertValid(sarif);
        var result = Assert.Single(JToken.Parse(sarif)["runs"]![0]!["results"]!);
        Assert.Equal(EngineRules.SchemaViolation.Id, (string?)result["ruleId"]);
        Assert.Equal(13, (int)result["locations"]![0]!["physicalLocation"]!["region"]!["startLine"]!);
    }

    [Fact]
    public void Fingerprints_survive_edits_that_move_lines()
    {
        using var repo = new ScratchRepository();
        var before = Sarif(repo, Support.Policies.StridePolicy(), UnassessedProcess);
        var after = Sarif(repo, Support.Policies.StridePolicy(), "# a new comment\n# and another\n" + UnassessedProcess);
        static IEnumerable<(string, int)> Prints(string sarif) => JToken.Parse(sarif)["runs"]![0]!["results"]!
            .Select(r => ((string)r["partialFingerprints"]![SarifReportWriter.FingerprintKey]!, (int)r["locations"]![0]!["physicalLocation"]!["region"]!["startLine"]!));
        Assert.Equal(Prints(before).Select(p => p.Item1), Prints(after).Select(p => p.Item1));
        Assert.Equal(Prints(before).Select(p => p.Item2 + 2), Prints(after).Select(p => p.Item2));
    }

    [Fact]
    public void The_same_input_gives_the_same_bytes()
    {
        using var repo = new ScratchRepository();
        Assert.Equal(Sarif(repo, Support.Policies.StridePolicy(), UnassessedProcess), Sarif(repo, Support.Policies.StridePolicy(), UnassessedProcess));
    }

    [FixtureFact]
    public void Infinite_and_undefined_measurements_are_reported_not_fatal()
    {
        using var repo = new ScratchRepository();
        repo.Write("threat-model.yaml", UnassessedProcess);
        var report = new GateEngine(BuiltInGates.Registry).Evaluate(new EvaluationRequest([repo.Write("policy.yaml", Support.Policies.StridePolicy())], repo.Root, Support.Policies.Today));
        var first = report.Findings[0];
        var measured = first with { Finding = first.Finding with { Properties = new Dictionary<string, object> { ["standardErrors"] = double.PositiveInfinity, ["expectedPrecision"] = double.NaN } } };
        report = report with { Findings = [measured, .. report.Findings.Skip(1)] };

        var sarif = SarifReportWriter.ToJson(report);
        SarifSchema.AssertValid(sarif);
        Assert.Equal("Infinity", (string?)JToken.Parse(sarif)["runs"]![0]!["results"]![0]!["properties"]!["standardErrors"]);
        var summary = JsonSummaryFormat.Read(JsonSummaryWriter.ToJson(report, repo.Root));
        Assert.Equal(report.Findings.Count, summary.Findings.Count);
        Assert.Equal(report.Verdict.Word(), summary.Verdict);
    }
}
