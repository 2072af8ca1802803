using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Tests.Support;
using Xunit.Abstractions;

namespace SecMLOps.Gates.Tests.Gates.Poisoning;

/// <summary>
/// How well the quarantine file recovers flipped labels on real data. The floors are the figures
/// reached when the gate was written, less a small margin; the README quotes the figures.
/// </summary>
public sealed class PoisoningDetectionTests(ITestOutputHelper output)
{
    private const double Margin = 0.05;
    private const double RandomPrecision = 0.425, RandomRecall = 0.730;
    private const double TargetedPrecision = 0.409, TargetedRecall = 0.724;
    private const double DigitsPrecision = 1.000, DigitsRecall = 0.792;

    [Fact]
    public void Fashion_mnist_with_ten_percent_random_flips_fails_and_the_quarantine_recovers_most_flips()
    {
        using var scenario = new PoisoningScenario();
        var clean = IdxFiles.ReadLabels(PoisoningScenario.SampleData("train-labels-idx1-ubyte.gz"));
        var poisoned = IdxFiles.ReadLabels(PoisoningScenario.SampleData("train-labels-poisoned-idx1-ubyte.gz"));
        var flipped = Enumerable.Range(0, clean.Length).Where(i => clean[i] != poisoned[i]).ToList();
        Assert.Equal(600, flipped.Count);

        scenario.CopySample("train-labels-poisoned-idx1-ubyte.gz", "train-labels.idx.gz");
        var report = Evaluate(scenario);
        Assert.Equal(Outcome.Failed, PoisoningScenario.Check(report, "label-consistency").Outcome);
        var (precision, recall) = PoisoningScenario.Detection(flipped, scenario.Quarantined().Keys);
        output.WriteLine($"Fashion-MNIST, 10 % random flips: precision {precision:0.000}, recall {recall:0.000}");
        Assert.True(precision >= RandomPrecision - Margin, $"precision {precision:0.000}");
        Assert.True(recall >= RandomRecall - Margin, $"recall {recall:0.000}");
    }

    [Fact]
    public void Fashion_mnist_with_one_class_relabelled_as_another_fails_and_is_recovered()
    {
        using var scenario = new PoisoningScenario();
        var labels = IdxFiles.ReadLabels(PoisoningScenario.SampleData("train-labels-idx1-ubyte.gz"));
        // Targeted: every sneaker (7) becomes a bag (8).
        var flipped = Enumerable.Range(0, labels.Length).Where(i => labels[i] == 7).ToList();
        foreach (var row in flipped) labels[row] = 8;
        IdxFiles.WriteLabels(scenario.Full("train-labels.idx.gz"), labels);

        var report = Evaluate(scenario);
        Assert.Equal(Verdict.Failed, report.Verdict);
        Assert.Equal(Outcome.Failed, PoisoningScenario.Check(report, "label-consistency").Outcome);
        Assert.Equal(Outcome.Failed, PoisoningScenario.Check(report, "shift/class-prior").Outcome);
        var (precision, recall) = PoisoningScenario.Detection(flipped, scenario.Quarantined().Keys);
        output.WriteLine($"Fashion-MNIST, class 7 relabelled 8: precision {precision:0.000}, recall {recall:0.000}");
        Assert.True(precision >= TargetedPrecision - Margin, $"precision {precision:0.000}");
        Assert.True(recall >= TargetedRecall - Margin, $"recall {recall:0.000}");
    }

    [FixtureFact]
    public void Digits_with_ten_percent_random_flips()
    {
        using var scenario = new PoisoningScenario();
        var rows = ReadDigits();
        var random = new Random(7);
        var order = Enumerable.Range(0, rows.Count).ToArray();
        random.Shuffle(order);
        var golden = order.Take(rows.Count * 3 / 10).Select(i => rows[i]).ToList();
        var training = order.Skip(rows.Count * 3 / 10).Select(i => rows[i]).ToList();
        var flipped = Enumerable.Range(0, training.Count).OrderBy(_ => random.Next()).Take(training.Count / 10).ToList();
        foreach (var row in flipped)
            training[row] = training[row] with { Label = (training[row].Label + 1 + random.Next(9)) % 10 };
        scenario.Write("training.csv", string.Join('\n', training.Select(r => r.Line)) + "\n");
        scenario.Write("golden.csv", string.Join('\n', golden.Select(r => r.Line)) + "\n");

        var report = scenario.Evaluate(scenario.Dataset("training", "training.csv", "csv") + scenario.Dataset("golden", "golden.csv", "csv"));
        Assert.Equal(Outcome.Failed, PoisoningScenario.Check(report, "label-consistency").Outcome);
        var (precision, recall) = PoisoningScenario.Detection(flipped, scenario.Quarantined().Keys);
        output.WriteLine($"digits, 10 % random flips: precision {precision:0.000}, recall {recall:0.000}");
        Assert.True(precision >= DigitsPrecision - Margin, $"precision {precision:0.000}");
        Assert.True(recall >= DigitsRecall - Margin, $"recall {recall:0.000}");
    }

    private static EvaluationReport Evaluate(PoisoningScenario scenario)
    {
        scenario.CopySample("train-images-idx3-ubyte.gz", "train-images.idx.gz");
        scenario.CopySample("golden-images-idx3-ubyte.gz", "golden-images.idx.gz");
        scenario.CopySample("golden-labels-idx1-ubyte.gz", "golden-labels.idx.gz");
        return scenario.Evaluate(scenario.Dataset("training", "train-images.idx.gz", "idx", "train-labels.idx.gz")
            + scenario.Dataset("golden", "golden-images.idx.gz", "idx", "golden-labels.idx.gz"));
    }

    private sealed record DigitsRow(string Features, int Label)
    {
        public string Line => $"{Features},{Label}";
    }

    private static List<DigitsRow> ReadDigits()
    {
        using var file = File.OpenRead(RepositoryLayout.Fixture("datasets", "sklearn-digits", "digits.csv.gz"));
        using var reader = new StreamReader(new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress));
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => new DigitsRow(l[..l.LastIndexOf(',')], int.Parse(l[(l.LastIndexOf(',') + 1)..])))
            .ToList();
    }
}
