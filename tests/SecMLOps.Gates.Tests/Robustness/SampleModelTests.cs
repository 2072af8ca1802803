using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Robustness.Models.TorchScript;
using SecMLOps.Gates.Robustness.Onnx;
using SecMLOps.Gates.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>The sample's trained classifiers: the ONNX executor and the TorchScript export agree with ONNX Runtime.</summary>
[Trait("Layer", "slow")]
[Collection(LibTorchCollection.Name)]
public sealed class SampleModelTests(ITestOutputHelper output)
{
    private static string Model(string file) => Path.Combine(RepositoryLayout.Root, "samples", "ModelService", "models", file);

    private static Tensor EvaluationImages(int count) =>
        tensor(IdxFiles.ReadImages(Model("evaluation-images.idx.gz"))[..(count * 784)].Select(b => b / 255f).ToArray(), [count, 1, 28, 28]);

    [Theory]
    [InlineData("classifier-undefended")]
    [InlineData("classifier-pgd")]
    public void Executor_torchscript_and_onnx_runtime_agree_within_1e_4(string name)
    {
        var inputs = EvaluationImages(64);
        using var runtime = new OnnxRuntimeModel(Model($"{name}.onnx"));
        using var graph = OnnxGraphModel.Load(OnnxModelFile.Read(Model($"{name}.onnx")));
        using var script = TorchScriptModel.Load(Model($"{name}.torchscript.pt"));
        var expected = runtime.Logits(inputs);
        Assert.True((graph.Logits(inputs) - expected).abs().max().item<float>() < 1e-4f);
        Assert.True((script.Logits(inputs) - expected).abs().max().item<float>() < 1e-4f);
    }

    [Fact]
    public void The_autoattack_standard_suite_runs_end_to_end_on_the_sample()
    {
        using var scenario = new RobustnessScenario();
        File.Copy(Model("classifier-pgd.onnx"), scenario.Full("model.onnx"));
        File.Copy(Model("evaluation-images.idx.gz"), scenario.Full("images.idx.gz"));
        File.Copy(Model("evaluation-labels.idx.gz"), scenario.Full("labels.idx.gz"));
        var report = scenario.Evaluate(
            "{path: model.onnx, format: onnx, inputShape: [1, 28, 28], valueRange: [0, 1]}",
            "{path: images.idx.gz, labels: labels.idx.gz, format: idx}",
            """
                    dataset: eval
                    sampleCount: 20
                    suite: autoattack-standard
                    eps: [0.03]
            """);
        foreach (var finding in report.Findings)
            output.WriteLine($"{finding.Outcome}: {finding.Finding.Subject}: {finding.Finding.Message}");
        Assert.DoesNotContain(report.Findings, f => f.Outcome == Outcome.Error);
        var worst = Assert.Single(report.Findings, f => f.Finding.Subject == "worst-case/eps=0.03");
        Assert.Contains("over 3 attack(s)", worst.Finding.Message);
        foreach (var attack in new[] { "apgd-ce/eps=0.03", "apgd-t/eps=0.03", "square/eps=0.03" })
            Assert.Single(report.Findings, f => f.Finding.Subject == attack);
        Assert.NotEqual(Verdict.Error, report.Verdict);
    }
}
