namespace SecMLOps.Gates.Poisoning;

/// <summary>A training row whose label is probably wrong, with the label it probably should have.</summary>
/// <param name="Score">The probability that the given label is wrong.</param>
internal sealed record SuspectRow(int Row, int GivenLabel, int SuggestedLabel, double Score);

internal sealed record LabelNoiseResult(NoiseModel Noise, IReadOnlyList<SuspectRow> Flagged, int Rows, double? ExpectedPrecision, double ExpectedNoisyRows);

/// <summary>
/// Finds the training rows whose labels are probably wrong, with the golden set as the reference:
/// 1. classifiers trained on golden rows alone (K-fold within it, calibrated by temperature on their
///    out-of-sample golden scores) score every training row;
/// 2. the noise model (<see cref="NoiseModel"/>) estimates how labels were changed from those scores;
/// 3. a classifier cross-validated over the training rows (on the golden set's principal components,
///    golden rows in every fold, its loss corrected by the noise model so it learns true classes, not
///    the poisoned labels) gives each training row a second out-of-sample score;
/// 4. each row's posterior over true classes is the two classifiers' mean probabilities times the
///    noise model's P(label | class); one minus the posterior of its given label is its score;
/// 5. rows are flagged most suspicious first, as many as keep the mean score of the flagged rows (the
///    expected precision of the quarantine) at or above <c>minExpectedPrecision</c>.
/// </summary>
internal sealed class LabelNoiseCheck : IDisposable
{
    private readonly ILabelModelTrainer _trainer;
    private readonly IGoldenModels _golden;
    private readonly int[] _goldenLabels;
    private readonly LabelModelOptions _options;
    private readonly double _goldenTemperature;
    private readonly List<float> _mean = [];
    private readonly List<float> _single = [];
    private readonly List<float> _projected = [];
    private readonly List<int> _given = [];

    public LabelNoiseCheck(ILabelModelTrainer trainer, float[] goldenFeatures, int[] goldenLabels, int dimension, LabelModelOptions options)
    {
        (_trainer, _goldenLabels, _options) = (trainer, goldenLabels, options);
        _golden = trainer.TrainGolden(goldenFeatures, goldenLabels, dimension, options);
        _goldenTemperature = Calibration.FitTemperature(_golden.GoldenLogits, goldenLabels, options.Classes);
    }

    /// <summary>Scores a batch of training rows (features scaled as the golden rows were); only scores are kept, never the rows.</summary>
    public void Add(float[] rows, int count, int firstRow, int[] labels)
    {
        var (mean, single, projected) = _golden.Score(rows, count, firstRow);
        _mean.AddRange(mean);
        _single.AddRange(single);
        _projected.AddRange(projected);
        _given.AddRange(labels.Take(count));
    }

    public LabelNoiseResult Finish(double minExpectedPrecision)
    {
        var classes = _options.Classes;
        var given = _given.ToArray();
        var goldenProbabilities = Calibration.Softmax(_golden.GoldenLogits, classes, _goldenTemperature);
        var noise = NoiseModel.Estimate(Calibration.Softmax([.. _single], classes, _goldenTemperature), given, goldenProbabilities, _goldenLabels, classes, _options.Seed);

        var (trainingLogits, goldenLogits) = _trainer.CrossValidate([.. _projected], given, _golden.GoldenProjected, _goldenLabels, _golden.Components, noise.Transition, _options);
        var crossValidated = Calibration.Softmax(trainingLogits, classes, Calibration.FitTemperature(goldenLogits, _goldenLabels, classes));
        var goldenModel = Calibration.Softmax([.. _mean], classes, _goldenTemperature);
        var combined = goldenModel.Zip(crossValidated, (a, b) => (a + b) / 2).ToArray();
        var posterior = noise.Posterior(combined, given);

        var suspects = given.Select((label, row) =>
        {
            var suggested = Enumerable.Range(0, classes).MaxBy(k => posterior[row * classes + k]);
            return new SuspectRow(row, label, suggested, 1 - posterior[row * classes + label]);
        }).OrderByDescending(s => s.Score).ThenBy(s => s.Row).ToList();

        // The longest most-suspicious-first prefix whose mean score stays at the floor: the scores are
        // calibrated probabilities of a wrong label, so the mean is the quarantine's expected precision.
        var (flagged, sum) = (0, 0.0);
        for (var i = 0; i < suspects.Count; i++)
        {
            sum += suspects[i].Score;
            if (sum / (i + 1) >= minExpectedPrecision)
                flagged = i + 1;
        }
        var quarantined = suspects.Take(flagged).ToList();
        return new LabelNoiseResult(noise, quarantined, given.Length,
            flagged > 0 ? quarantined.Average(s => s.Score) : null, suspects.Sum(s => s.Score));
    }

    public void Dispose() => _golden.Dispose();
}
