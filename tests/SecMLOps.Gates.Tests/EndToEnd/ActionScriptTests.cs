using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.EndToEnd;

[Collection(EndToEndCollection.Name)]
public sealed class ActionScriptTests
{
    [FixtureFact]
    public void A_violation_sets_the_outputs_appends_the_job_summary_and_keeps_every_report_and_output()
    {
        using var action = new ActionScript();
        File.WriteAllText(action.SummaryFile, "earlier step\n");
        var run = action.Gate(RepositoryLayout.Root, SampleBuild.ViolatedPolicy);
        Assert.True(run.ExitCode == 0, run.All);
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
