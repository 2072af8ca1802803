using SecMLOps.Gates.Robustness.Models;
using SecMLOps.Gates.Robustness.Onnx;
using SecMLOps.Gates.Tests.Support;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>The sample's trained classifiers: the ONNX executor and the TorchScript export agree with ONNX Runtime.</summary>
[Collection(LibTorchCollection.Name)]
public sealed class SampleModelTests
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
        using var graph = OnnxGraphModel.Load(Model($"{name}.onnx"));
        using var script = TorchScriptModel.Load(Model($"{name}.torchscript.pt"));
        var expected = runtime.Logits(inputs);
        Assert.True((graph.Logits(inputs) - expected).abs().max().item<float>() < 1e-4f);
        Assert.True((script.Logits(inputs) - expected).abs().max().item<float>() < 1e-4f);
    }
}
