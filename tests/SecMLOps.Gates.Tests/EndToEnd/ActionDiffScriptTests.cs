using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.EndToEnd;

[Collection(EndToEndCollection.Name)]
public sealed class ActionDiffScriptTests
{
    private const string Policy = """
        apiVersion: secmlops.gates/v1
        kind: GatePolicy
        metadata: {name: classifier, version: VERSION, owners: [ml-team]}
        spec:
          rules:
            - id: ROB-1
              kind: robustness
              enforcement: hard-mandatory
              severity: high
              settings: {minRatioOfBaseline: RATIO}
        """;

    [FixtureTheory]
    [InlineData("1.0.0", false, "true")]
    [InlineData("1.1.0", false, "true")]
    [InlineData("1.0.1", false, "true")]
    [InlineData("2.0.0", false, "false")]
    [InlineData("2.0.0", true, "true")]
    public void A_pull_request_that_lowers_a_threshold_is_reported_and_fails_without_a_major_version_bump_or_with_fail_on_weakening(string newVersion, bool failOnWeakening, string shouldFail)
    {
        using var repo = new ScratchGitRepository();
        repo.Write("policies/classifier.yaml", Policy.Replace("VERSION", "1.0.0").Replace("RATIO", "0.8"));
        repo.Commit("base");
        repo.Write("policies/classifier.yaml", Policy.Replace("VERSION", newVersion).Replace("RATIO", "0.7"));
        repo.Commit("lower the threshold");
        using var action = new ActionScript();

        var run = action.Diff(repo.Path, "HEAD~1", failOnWeakening: failOnWeakening);

        Assert.True(run.ExitCode == 0, run.All);
        var outputs = action.Outputs();
        Assert.Equal("1", outputs["weakenings"]);
        Assert.Equal(shouldFail, outputs["should-fail"]);
        Assert.Contains("| 🔻 weakening | `rule ROB-1.settings.minRatioOfBaseline lowered` | `0.8` | `0.7` |", File.ReadAllText(action.SummaryFile));
        SarifSchema.AssertValid(File.ReadAllText(outputs["sarif-file"]));
        Assert.True(File.Exists(Path.Combine(action.ReportDir, "policy-diff.md")));
    }
}
