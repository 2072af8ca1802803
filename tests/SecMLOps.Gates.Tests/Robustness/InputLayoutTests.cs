using SecMLOps.Gates.Data;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;
using SecMLOps.Gates.Robustness;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>Image rows reach the model in the order its input takes, whether or not the policy declares the model's layout.</summary>
[Collection(LibTorchCollection.Name)]
public sealed class InputLayoutTests
{
    private static readonly SourceLocation At = new("policy.yaml", 1, 1);

    // One 2x2 RGB image stored height, width, channel (as image-folder reads it): value = 100 c + 10 h + w.
    private static float[] HwcImage() =>
        [.. from h in Enumerable.Range(0, 2) from w in Enumerable.Range(0, 2) from c in Enumerable.Range(0, 3) select 100f * c + 10 * h + w];

    private static DatasetSpec Dataset(string layout) => new("eval", "images", DatasetFormatCatalogue.BuiltIn.Find("image-folder")!, null, (0, 255), layout, At, new(), new Dictionary<string, DatasetFile>());

    [Theory]
    [InlineData(null)]
    [InlineData("NCHW")]
    public void Hwc_rows_are_laid_out_channels_first_for_a_model_declared_or_assumed_nchw(string? inputLayout)
    {
        var model = new ModelSpec("model.onnx", "onnx", [3, 2, 2], inputLayout, (0, 255), null, null, At);
        using var inputs = EvaluationSet.ToModelInputs(HwcImage(), 1, Dataset("HWC"), model, [3, 2, 2], (0, 255));
        for (var c = 0; c < 3; c++)
        for (var h = 0; h < 2; h++)
        for (var w = 0; w < 2; w++)
            Assert.Equal(100f * c + 10 * h + w, inputs[0, c, h, w].item<float>());
    }

    [Fact]
    public void Hwc_rows_stay_as_they_are_for_an_nhwc_model()
    {
        var model = new ModelSpec("model.onnx", "onnx", [2, 2, 3], "NHWC", (0, 255), null, null, At);
        using var inputs = EvaluationSet.ToModelInputs(HwcImage(), 1, Dataset("HWC"), model, [2, 2, 3], (0, 255));
        Assert.Equal(HwcImage(), inputs.data<float>().ToArray());
    }
}
