using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Tests.Support;
using Xunit.Abstractions;

namespace SecMLOps.Gates.Tests.Gates.Poisoning;

/// <summary>
/// What spec.model's logits are worth to the label check, measured against the rows' own values on
/// the sample's poisoned labels (6000 Fashion-MNIST rows, 10 % flipped; 1000 golden rows): with a
/// model trained on the clean labels, and with one trained on the poisoned labels themselves (the
/// candidate a poisoning attack produces). The floors are the figures measured when the option was
/// written, less a small margin; the README quotes them.
/// </summary>
[Trait("Layer", "slow")]
[Collection(PoisoningCollection.Name)]
public sealed class LabelFeaturesTests(ITestOutputHelper output)
{
    private const double Margin = 0.03;

    [Theory]
    [InlineData("raw", null, 0.809, 0.908)]
    [InlineData("model-logits", "classifier-undefended.onnx", 0.807, 0.920)]
    [InlineData("model-logits", "classifier-poisoned-labels.onnx", 0.826, 0.915)]
    public void The_quarantine_on_the_samples_poisoned_labels(string features, string? model, double precisionFloor, double recallFloor)
    {
        using var scenario = new PoisoningScenario();
        scenario.CopySample("train-images-idx3-ubyte.gz", "train-images.idx.gz");
        scenario.CopySample("train-labels-poisoned-idx1-ubyte.gz", "train-labels.idx.gz");
        scenario.CopySample("golden-images-idx3-ubyte.gz", "golden-images.idx.gz");
        scenario.CopySample("golden-labels-idx1-ubyte.gz", "golden-labels.idx.gz");
        var clean = IdxFiles.ReadLabels(PoisoningScenario.SampleData("train-labels-idx1-ubyte.gz"));
        var poisoned = IdxFiles.ReadLabels(scenario.Full("train-labels.idx.gz"));
        var flipped = Enumerable.Range(0, clean.Length).Where(i => clean[i] != poisoned[i]).ToList();

        var report = scenario.Evaluate(
            scenario.Dataset("training", "train-images.idx.gz", "idx", "train-labels.idx.gz") + scenario.Dataset("golden", "golden-images.idx.gz", "idx", "golden-labels.idx.gz"),
            $"        labelConsistency: {{features: {features}}}",
            model is null ? "" : scenario.SampleModel(model));

        Assert.Equal(Outcome.Failed, PoisoningScenario.Check(report, "label-consistency").Outcome);
        var quarantined = scenario.Quarantined().Keys.ToList();
        var (precision, recall) = PoisoningScenario.Detection(flipped, quarantined);
        output.WriteLine($"{features} {model}: {quarantined.Count} of {clean.Length} rows quarantined ({flipped.Count} flipped), precision {precision:0.000}, recall {recall:0.000}");
        Assert.True(precision >= precisionFloor - Margin, $"precision {precision:0.000}");
        Assert.True(recall >= recallFloor - Margin, $"recall {recall:0.000}");
    }
}
