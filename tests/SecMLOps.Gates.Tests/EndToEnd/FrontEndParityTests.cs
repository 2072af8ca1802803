using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.EndToEnd;

/// <summary>
/// The CLI, the MSBuild task and the action run one engine: same verdict, same SARIF bytes. They share
/// the sample's verdict cache, so the robustness and poisoning results (whose attack times differ
/// between fresh runs) are the same entry; provenance and STRIDE coverage run in each front end.
/// </summary>
[Trait("Layer", "slow")]
[Collection(EndToEndCollection.Name)]
public sealed class FrontEndParityTests
{
    [FixtureTheory]
    [InlineData(SampleBuild.ViolatedPolicy, 1, "fail")]
    [InlineData(SampleBuild.PassingPolicy, 0, "pass")]
    public void Cli_msbuild_and_action_agree(string policy, int exitCode, string result)
    {
        using var scratch = new ScratchRepository();
        var cliSarif = scratch.Full("cli.sarif");
        var cli = SampleBuild.Evaluate(policy, "--sarif", cliSarif);
        Assert.True(cli.ExitCode == exitCode, cli.All);

        var msbuildSarif = scratch.Full("msbuild.sarif");
        var build = SampleBuild.Build(policy, msbuildSarif);
        Assert.Equal(exitCode == 0, build.ExitCode == 0);

        using var action = new ActionScript();
        var gate = action.Gate(RepositoryLayout.Root, policy, inputs: new() { ["VERDICT_CACHE"] = SampleBuild.VerdictCache });
        Assert.True(gate.ExitCode == 0, gate.All);
        // The action's run takes the entries the CLI wrote: where the action found the tool (SECMLOPS_GATE) is no part of a verdict.
        Assert.DoesNotContain("not in the verdict cache", gate.All);
        Assert.Contains("result from the verdict cache", gate.All);
        Assert.Equal(result, action.Outputs()["result"]);

        var expected = File.ReadAllText(cliSarif);
        SarifSchema.AssertValid(expected);
        Assert.Equal(expected, File.ReadAllText(msbuildSarif));
        Assert.Equal(expected, File.ReadAllText(action.Outputs()["sarif-file"]));
    }

    [Fact]
    public void The_undefended_sample_model_fails_with_clean_and_robust_accuracy_and_the_defended_one_passes()
    {
        using var scratch = new ScratchRepository();
        var violated = SampleBuild.Evaluate(SampleBuild.ViolatedPolicy, "--sarif", scratch.Full("v.sarif"));
        Assert.Equal(1, violated.ExitCode);
        var results = Newtonsoft.Json.Linq.JToken.Parse(File.ReadAllText(scratch.Full("v.sarif")))["runs"]![0]!["results"]!
            .Where(r => (string?)r["ruleId"] == "SAMPLE-ROB-STRICT").ToList();
        Assert.NotEmpty(results);
        var worst = Assert.Single(results, r => (string?)r["properties"]!["subject"] == "worst-case/eps=0.03");
        Assert.True((double)worst["properties"]!["cleanAccuracy"]! > 0.8);
        Assert.True((double)worst["properties"]!["robustAccuracy"]! < 0.8 * (double)worst["properties"]!["cleanAccuracy"]!);
        // The second location is the model the finding is about.
        Assert.Equal("samples/ModelService/models/classifier-undefended.onnx", (string?)worst["locations"]![1]!["physicalLocation"]!["artifactLocation"]!["uri"]);

        var passing = SampleBuild.Evaluate(SampleBuild.PassingPolicy, "--json", scratch.Full("p.json"));
        Assert.True(passing.ExitCode == 0, passing.All);
        Assert.Contains("\"ruleId\": \"SAMPLE-ROB-1\"", File.ReadAllText(scratch.Full("p.json")));
    }

    [Fact]
    public void The_cli_process_validates_the_repository_policies()
    {
        var run = ProcessRunner.Cli(RepositoryLayout.Root, "validate", "policies");
        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains("policies/samples/model-service.yaml: valid GatePolicy", run.Output);
    }
}
