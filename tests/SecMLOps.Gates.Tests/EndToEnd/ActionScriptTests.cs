using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.EndToEnd;

[Collection(EndToEndCollection.Name)]
public sealed class ActionScriptTests
{
    [Trait("Layer", "slow")]
    [FixtureFact]
    public void A_violation_sets_the_outputs_appends_the_job_summary_and_keeps_every_report_and_output()
    {
        using var action = new ActionScript();
        File.WriteAllText(action.SummaryFile, "earlier step\n");
        // As action.yml runs it by default: with a verdict cache (here the one the sample's other runs share).
        var run = action.Gate(RepositoryLayout.Root, SampleBuild.ViolatedPolicy, inputs: new() { ["VERDICT_CACHE"] = SampleBuild.VerdictCache });
        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains("verdict cache", run.All);
        var outputs = action.Outputs();
        Assert.Equal("fail", outputs["result"]);
        Assert.Equal("1", outputs["exit-code"]);
        Assert.Equal("true", outputs["should-fail"]);
        Assert.Equal(action.ReportDir, outputs["report-dir"]);
        Assert.Equal(Path.Combine(action.ReportDir, "secmlops-gate.sarif"), outputs["sarif-file"]);
        var summary = File.ReadAllText(action.SummaryFile);
        Assert.StartsWith("earlier step\n", summary);
        Assert.Contains("SecMLOps gate: fail", summary);
        SarifSchema.AssertValid(File.ReadAllText(outputs["sarif-file"]));
        foreach (var kept in new[] { "summary.json", "summary.md", "outputs/artifacts/robustness/classifier-undefended.png", "outputs/artifacts/quarantine/model-service-violated.csv" })
            Assert.True(File.Exists(Path.Combine(action.ReportDir, kept)), kept);
    }

    [Theory]
    [InlineData("never", "false")]
    [InlineData("low", "true")]
    public void Fail_on_decides_whether_a_violation_fails_the_job(string failOn, string shouldFail)
    {
        using var repo = new ScratchRepository();
        repo.Write("high.yaml", Support.Policies.ThreatModel(Support.Policies.AssessedEntity.Replace("likelihood: L", "likelihood: H")));
        repo.Write("policy.yaml", Support.Policies.StridePolicy("high.yaml"));
        using var action = new ActionScript();
        var run = action.Gate(repo.Path, "policy.yaml", failOn);
        Assert.True(run.ExitCode == 0, run.All);
        Assert.Equal("fail", action.Outputs()["result"]);
        Assert.Equal(shouldFail, action.Outputs()["should-fail"]);
    }

    /// <summary>Workflows as teams write them; the ones whose on: filters paths leave pull requests ungated.</summary>
    [Theory]
    [InlineData("on:\n  pull_request:\n    paths:\n      - policies/**\n  push:\n    branches: [main]\njobs: {}\n", true)]
    [InlineData("'on': {push: {paths-ignore: [docs/**]}, pull_request: {}}\njobs: {}\n", true)]
    [InlineData("on:\n  # every change\n  pull_request:\n  push:\n    branches: [main]\njobs:\n  gate:\n    steps:\n      - uses: some/action@v1\n        with:\n          paths: data\n", false)]
    public void A_calling_workflow_that_filters_paths_is_warned_about(string workflow, bool warned)
    {
        using var repo = new ScratchRepository();
        repo.Write("tm.yaml", Support.Policies.ThreatModel(Support.Policies.AssessedEntity));
        repo.Write("policy.yaml", Support.Policies.StridePolicy("tm.yaml"));
        repo.Write(".github/workflows/gate.yml", workflow);
        using var action = new ActionScript();
        var run = action.Gate(repo.Path, "policy.yaml", inputs: new() { ["GITHUB_WORKFLOW_REF"] = "octo-org/models/.github/workflows/gate.yml@refs/pull/7/merge" });
        Assert.True(run.ExitCode == 0, run.All);
        Assert.Equal("pass", action.Outputs()["result"]);
        const string warning = "::warning file=.github/workflows/gate.yml::.github/workflows/gate.yml runs the gate only when the paths its on: filter names change";
        Assert.Equal(warned, run.Output.Contains(warning, StringComparison.Ordinal));
        Assert.Equal(warned, File.ReadAllText(action.SummaryFile).StartsWith("> **Warning:** .github/workflows/gate.yml runs the gate only", StringComparison.Ordinal));
    }

    /// <summary>A process nobody assessed (six STRIDE findings on one line), under a hard rule and under a waived soft one.</summary>
    /// <summary>Within the default limit on a waiver's length, whenever the test runs.</summary>
    private static readonly string WaiverExpiry = DateTime.UtcNow.AddDays(90).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static ScratchRepository UnassessedProcess()
    {
        var repo = new ScratchRepository();
        repo.Write("tm.yaml", Support.Policies.ThreatModel("    - {id: P-1, name: Trainer, type: process}\n"));
        repo.Write("policy.yaml", Support.Policies.StridePolicy("tm.yaml",
            rules: "    - id: STRIDE-2\n      kind: stride-coverage\n      enforcement: soft-mandatory\n      severity: high\n      settings: {threatModel: tm.yaml}",
            waivers: $"  waivers:\n    - {{rule: STRIDE-2, owner: alice@example.com, reason: assessment booked with the red team, ticket: SEC-9, expires: {WaiverExpiry}}}"));
        return repo;
    }

    [FixtureFact]
    public void Code_scanning_gets_only_open_results_each_with_its_own_line_hash_and_the_summary_lists_what_was_waived()
    {
        using var repo = UnassessedProcess();
        using var action = new ActionScript();
        var run = action.Gate(repo.Path, "policy.yaml");
        Assert.True(run.ExitCode == 0, run.All);
        var outputs = action.Outputs();
        Assert.Equal("fail", outputs["result"]);

        var full = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(outputs["sarif-file"]))!["runs"]![0]!["results"]!.AsArray();
        var uploaded = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(outputs["upload-sarif-file"]))!["runs"]![0]!["results"]!.AsArray();
        SarifSchema.AssertValid(File.ReadAllText(outputs["upload-sarif-file"]));
        Assert.Contains(full, r => r!["suppressions"] is not null);
        Assert.DoesNotContain(uploaded, r => r!["suppressions"] is not null);
        Assert.Equal(full.Count(r => r!["suppressions"] is null), uploaded.Count);
        Assert.All(uploaded, r => Assert.Equal("STRIDE-1", (string?)r!["ruleId"]));
        var hashes = full.Select(r => (string?)r!["partialFingerprints"]!["primaryLocationLineHash"]).ToList();
        Assert.Equal(hashes.Count, hashes.Distinct().Count());
        Assert.True(uploaded.GroupBy(r => (int?)r!["locations"]![0]!["physicalLocation"]!["region"]!["startLine"]).Max(g => g.Count()) >= 6, "the test needs several findings on one line");

        var summary = File.ReadAllText(action.SummaryFile);
        Assert.Contains("### Waived and accepted", summary);
        Assert.Contains($"| alice@example.com | assessment booked with the red team | SEC-9 | {WaiverExpiry} | policy waiver |", summary);
    }

    [Fact]
    public void Two_uses_in_one_run_get_their_own_category_unless_one_is_given()
    {
        using var repo = UnassessedProcess();
        File.Copy(repo.Full("policy.yaml"), repo.Full("second.yaml"));
        File.WriteAllText(repo.Full("second.yaml"), File.ReadAllText(repo.Full("second.yaml")).Replace("STRIDE-", "SECOND-"));
        using var action = new ActionScript();
        action.Gate(repo.Path, "policy.yaml");
        var first = action.Outputs()["category"];
        action.Gate(repo.Path, "second.yaml");
        var second = action.Outputs()["category"];
        Assert.StartsWith("secmlops-gate/", first);
        Assert.NotEqual(first, second);
        action.Gate(repo.Path, "policy.yaml", inputs: new() { ["INPUT_CATEGORY"] = "models/classifier" });
        Assert.Equal("models/classifier", action.Outputs()["category"]);
    }

    [Fact]
    public void When_code_scanning_refuses_the_upload_the_open_findings_become_annotations_and_the_result_stays_the_gates()
    {
        using var repo = UnassessedProcess();
        using var action = new ActionScript();
        action.Gate(repo.Path, "policy.yaml");
        Assert.Equal("true", action.Outputs()["should-fail"]);
        var annotate = action.Annotate(repo.Path);
        Assert.True(annotate.ExitCode == 0, annotate.All);
        var lines = annotate.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, lines.Count(l => l.StartsWith("::error file=tm.yaml,line=", StringComparison.Ordinal) && l.Contains(",title=STRIDE-1::")));
        Assert.DoesNotContain(lines, l => l.Contains("title=STRIDE-2"));
        Assert.Contains("did not accept the SARIF upload", File.ReadAllText(action.SummaryFile));

        // The action's upload steps may fail without failing the job; the last step reads the gate's outputs alone.
        var steps = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "action.yml"));
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(steps, @"continue-on-error: true\n      uses: github/codeql-action/upload-sarif@").Count);
    }

    [Fact]
    public void Inputs_reach_the_tool_as_data_never_as_script()
    {
        using var repo = new ScratchRepository();
        repo.Write("threat-model.yaml", Support.Policies.ThreatModel(Support.Policies.AssessedEntity));
        repo.Write("policy.yaml", Support.Policies.StridePolicy());
        using var action = new ActionScript();
        var marker = Path.Combine(repo.Path, "pwned");
        var run = action.Gate(repo.Path, $"policy.yaml $(touch {marker})");
        Assert.False(File.Exists(marker));
        Assert.Equal("error", action.Outputs()["result"]);
        Assert.Equal(0, run.ExitCode);
    }

    [Theory]
    [InlineData("sometimes")]
    [InlineData("violation")]
    public void A_bad_fail_on_is_refused(string failOn)
    {
        using var action = new ActionScript();
        var run = action.Gate(RepositoryLayout.Root, SampleBuild.PassingPolicy, failOn);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("fail-on must be", run.All);
    }
}
