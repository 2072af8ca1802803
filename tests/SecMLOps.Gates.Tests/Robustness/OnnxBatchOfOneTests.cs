using SecMLOps.Gates.Robustness.Onnx;
using SecMLOps.Gates.Tests.Support;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>
/// Graphs exported with a fixed batch of one: a batch runs whole, the batch size in place of the leading 1
/// of a Reshape's target, only where that gives every sample the logits it gets alone.
/// </summary>
[Collection(LibTorchCollection.Name)]
public sealed class OnnxBatchOfOneTests : IDisposable
{
    private static readonly float[] Weights = [1, 0, 0, 0, 2, 0, 0, 0, 3, 1, 1, 1];
    private readonly ScratchRepository _directory = new();

    [Fact]
    public void A_baked_batch_of_one_in_a_reshape_runs_whole_and_gives_each_samples_logits()
    {
        var path = Save(new OnnxBuilder(4, 3, batchOfOne: true)
            .Int64Initializer("square", 1, 2, 2).Int64Initializer("flat", 1, 4).Initializer("w", Weights, 4, 3)
            .Node("Reshape", ["x", "square"], "s").Node("Reshape", ["s", "flat"], "f").Node("MatMul", ["f", "w"], "logits"));
        using var model = OnnxGraphModel.Load(OnnxModelFile.Read(path));
        var x = rand([6, 4], generator: new Generator(3));

        AssertLogits(x, model.Logits(x));
        Assert.True(model.RunsBatchesWhole);
    }

    [Fact]
    public void A_graph_whose_leading_1_is_not_the_batch_runs_one_sample_at_a_time()
    {
        // Transposed, the leading 1 of [4, 1] -> [1, 4] is not the batch: with the batch size put in its
        // place the graph still runs, but each output row mixes the samples.
        var path = Save(new OnnxBuilder(4, 3, batchOfOne: true)
            .Int64Initializer("flat", 1, 4).Initializer("w", Weights, 4, 3)
            .Node("Transpose", ["x"], "t", OnnxBuilder.IntsAttribute("perm", 1, 0)).Node("Reshape", ["t", "flat"], "f").Node("MatMul", ["f", "w"], "logits"));
        using var model = OnnxGraphModel.Load(OnnxModelFile.Read(path));
        var x = rand([6, 4], generator: new Generator(4));

        AssertLogits(x, model.Logits(x));
        Assert.False(model.RunsBatchesWhole);
    }

    [Fact]
    public void A_graph_the_batch_does_not_fit_runs_one_sample_at_a_time()
    {
        var path = Save(new OnnxBuilder(4, 3, batchOfOne: true)
            .Int64Initializer("pair", 2, 2).Int64Initializer("flat", 1, 4).Initializer("w", Weights, 4, 3)
            .Node("Reshape", ["x", "pair"], "p").Node("Reshape", ["p", "flat"], "f").Node("MatMul", ["f", "w"], "logits"));
        using var model = OnnxGraphModel.Load(OnnxModelFile.Read(path));
        var x = rand([6, 4], generator: new Generator(5));

        AssertLogits(x, model.Logits(x));
        Assert.False(model.RunsBatchesWhole);
    }

    private string Save(OnnxBuilder builder)
    {
        var path = _directory.Full("model.onnx");
        builder.Save(path);
        return path;
    }

    private static void AssertLogits(Tensor x, Tensor logits)
    {
        var expected = x.matmul(tensor(Weights, [4, 3]));
        Assert.Equal(expected.shape, logits.shape);
        Assert.True(logits.allclose(expected, rtol: 0, atol: 1e-5), "each sample's logits are its own");
    }

    public void Dispose() => _directory.Dispose();
}
