using SecMLOps.Gates.Poisoning;
using SecMLOps.Gates.Robustness.Learning;

namespace SecMLOps.Gates.Tests.Robustness;

public sealed class BoostedTreesLabelModelTrainerTests
{
    private const int Rows = 900, Dimension = 6, Classes = 3;

    /// <summary>Three classes told apart by one column each, on scales a million apart, with the rows not in class order.</summary>
    private static (float[] Features, int[] Labels) Separable(int seed)
    {
        var random = new Random(seed);
        var labels = Enumerable.Range(0, Rows).Select(_ => random.Next(Classes)).ToArray();
        var features = new float[Rows * Dimension];
        for (var r = 0; r < Rows; r++)
            for (var d = 0; d < Dimension; d++)
                features[r * Dimension + d] = (float)((random.NextDouble() - 0.5 + (d % Classes == labels[r] ? 2 : 0)) * Math.Pow(1000, d % 3 - 1));
        return (features, labels);
    }

    private static double Accuracy(float[] logits, int[] labels) =>
        labels.Select((label, r) => Enumerable.Range(0, Classes).MaxBy(c => logits[r * Classes + c]) == label ? 1.0 : 0).Average();

    [Fact]
    public void Golden_models_score_each_row_as_its_own_class_out_of_sample()
    {
        var (features, labels) = Separable(3);
        using var golden = new BoostedTreesLabelModelTrainer().TrainGolden(features, labels, Dimension, new LabelModelOptions(Classes, 3, Dimension, 0));

        Assert.True(Accuracy(golden.GoldenLogits, labels) > 0.95, $"golden out-of-sample accuracy {Accuracy(golden.GoldenLogits, labels):0.000}");
        var (fresh, freshLabels) = Separable(4);
        var (mean, single, projected) = golden.Score(fresh, Rows, 0);
        Assert.True(Accuracy(mean, freshLabels) > 0.95, $"mean accuracy {Accuracy(mean, freshLabels):0.000}");
        Assert.True(Accuracy(single, freshLabels) > 0.95, $"single accuracy {Accuracy(single, freshLabels):0.000}");
        Assert.Equal(fresh, projected);
    }

    /// <summary>
    /// Class 0 rows all labelled 1: trees learn the labels, and the noise model's backward correction
    /// gives back class 0 for them; with no noise model (the identity) they stay 1.
    /// </summary>
    [Fact]
    public void Cross_validation_corrected_by_the_noise_model_recovers_the_true_class()
    {
        var (features, labels) = Separable(5);
        var given = labels.Select((l, r) => l == 0 && r % 3 == 0 ? 1 : l).ToArray();
        var relabelled = Enumerable.Range(0, Rows).Where(r => given[r] != labels[r]).ToArray();
        var (classZero, classOne) = (labels.Count(l => l == 0), labels.Count(l => l == 1));
        var transition = new double[Classes, Classes];
        transition[0, 0] = 1 - (double)relabelled.Length / classZero;
        transition[1, 0] = (double)relabelled.Length / classZero;
        transition[1, 1] = transition[2, 2] = 1;
        var identity = new double[Classes, Classes];
        for (var c = 0; c < Classes; c++) identity[c, c] = 1;
        var trainer = new BoostedTreesLabelModelTrainer();
        var options = new LabelModelOptions(Classes, 3, Dimension, 0);

        var (corrected, _) = trainer.CrossValidate(features, given, features[..0], [], Dimension, transition, options);
        var (uncorrected, _) = trainer.CrossValidate(features, given, features[..0], [], Dimension, identity, options);

        Assert.True(Accuracy(corrected, labels) > 0.9, $"accuracy on the true classes with the noise model {Accuracy(corrected, labels):0.000}");
        var zeroRows = Enumerable.Range(0, Rows).Where(r => labels[r] == 0).ToArray();
        double ShareOfZero(float[] logits) => zeroRows.Average(r => Enumerable.Range(0, Classes).MaxBy(c => logits[r * Classes + c]) == 0 ? 1.0 : 0);
        Assert.True(ShareOfZero(corrected) > 0.9, $"class 0 rows scored as 0: {ShareOfZero(corrected):0.000}");
        Assert.True(ShareOfZero(uncorrected) > ShareOfZero(corrected) - 0.3);
    }
}
