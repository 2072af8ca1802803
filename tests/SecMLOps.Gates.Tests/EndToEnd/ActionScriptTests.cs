using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.EndToEnd;

[Collection(EndToEndCollection.Name)]
public sealed class ActionScriptTests
{
    [FixtureFact]
    public void A_violation_sets_the_outputs_and_appends_the_job_summary()
    {
        using var action = new ActionScript();
        File.WriteAllText(action.SummaryFile, "earlier step\n");
        var run = action.Run(SampleBuild.ViolatedPolicy);
        Assert.True(run.ExitCode == 0, run.All);
        var outputs = action.Outputs();
        Assert.Equal("fail", outputs["result"]);
        Assert.Equal("1", outputs["exit-code"]);
        Assert.Equal("true", outputs["should-fail"]);
        Assert.Equal(action.SarifFile, outputs["sarif-file"]);
        var summary = File.ReadAllText(action.SummaryFile);
        Assert.StartsWith("earlier step\n", summary);
        Assert.Contains("SecMLOps gate: fail", summary);
        SarifSchema.AssertValid(File.ReadAllText(action.SarifFile));
    }

    [Theory]
    [InlineData("never", "false")]
    [InlineData("error", "false")]
    public void Fail_on_decides_whether_a_violation_fails_the_job(string failOn, string shouldFail)
    {
        using var action = new ActionScript();
        Assert.Equal(0, action.Run(SampleBuild.ViolatedPolicy, failOn).ExitCode);
        Assert.Equal(shouldFail, action.Outputs()["should-fail"]);
    }

    [Fact]
    public void A_bad_input_is_refused()
    {
        using var action = new ActionScript();
        Assert.Equal(2, action.Run(SampleBuild.PassingPolicy, failOn: "sometimes").ExitCode);
    }

    [Fact]
    public void The_action_builds_the_cli_from_its_own_checkout()
    {
        using var action = new ActionScript();
        var run = action.Run(SampleBuild.PassingPolicy, prebuiltCli: false);
        Assert.True(run.ExitCode == 0, run.All);
        Assert.Equal("pass", action.Outputs()["result"]);
        Assert.Equal("false", action.Outputs()["should-fail"]);
    }
}
