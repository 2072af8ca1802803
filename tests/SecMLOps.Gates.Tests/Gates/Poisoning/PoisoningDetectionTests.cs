using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Tests.Support;
using Xunit.Abstractions;

namespace SecMLOps.Gates.Tests.Gates.Poisoning;

/// <summary>
/// How well the quarantine file recovers changed labels on real data a new user would try: 10,000
/// Fashion-MNIST training rows and a golden set of 1,500 (15 %), drawn disjointly from the official
/// training split. The floors are the figures measured when the method was written, less a small
/// margin; the README quotes the figures.
/// </summary>
[Trait("Layer", "slow")]
[Collection(PoisoningCollection.Name)]
public sealed class PoisoningDetectionTests(ITestOutputHelper output)
{
    private const double Margin = 0.03;
    private const int TrainingRows = 10_000, GoldenRows = 1_500, Seed = 11;
    private const double RandomPrecision = 0.798, RandomRecall = 0.935;
    private const double TargetedPrecision = 0.755, TargetedRecall = 0.990;
    private const double DigitsPrecision = 0.855, DigitsRecall = 0.992;
    private const double DigitsTablePrecision = 0.822, DigitsTableRecall = 1.000;

    private static EvaluationReport Evaluate(PoisoningScenario scenario, byte[] images, byte[] labels, byte[] goldenImages, byte[] goldenLabels)
    {
        IdxFiles.WriteImages(scenario.Full("train-images.idx.gz"), images, 28, 28);
        IdxFiles.WriteLabels(scenario.Full("train-labels.idx.gz"), labels);
        IdxFiles.WriteImages(scenario.Full("golden-images.idx.gz"), goldenImages, 28, 28);
        IdxFiles.WriteLabels(scenario.Full("golden-labels.idx.gz"), goldenLabels);
        return scenario.Evaluate(scenario.Dataset("training", "train-images.idx.gz", "idx", "train-labels.idx.gz")
            + scenario.Dataset("golden", "golden-images.idx.gz", "idx", "golden-labels.idx.gz"));
    }

    private (double Precision, double Recall) Measure(PoisoningScenario scenario, IReadOnlyCollection<int> changed, string what)
    {
        var quarantined = scenario.Quarantined().Keys.ToList();
        var (precision, recall) = PoisoningScenario.Detection(changed, quarantined);
        output.WriteLine($"{what}: {quarantined.Count} rows quarantined, precision {precision:0.000}, recall {recall:0.000}");
        return (precision, recall);
    }

    [FashionMnistFact]
    public void Ten_percent_random_flips_fail_the_rule_and_the_quarantine_finds_them()
    {
        using var scenario = new PoisoningScenario();
        var (images, labels, goldenImages, goldenLabels) = FashionMnist.Draw(TrainingRows, GoldenRows, Seed);
        var random = new Random(Seed);
        var flipped = Enumerable.Range(0, labels.Length).OrderBy(_ => random.Next()).Take(labels.Length / 10).ToList();
        foreach (var row in flipped)
            labels[row] = (byte)((labels[row] + 1 + random.Next(9)) % 10);

        var report = Evaluate(scenario, images, labels, goldenImages, goldenLabels);

        Assert.Equal(Outcome.Failed, PoisoningScenario.Check(report, "label-consistency").Outcome);
        var (precision, recall) = Measure(scenario, flipped, "Fashion-MNIST, 10 % random flips");
        Assert.True(precision >= RandomPrecision - Margin, $"precision {precision:0.000}");
        Assert.True(recall >= RandomRecall - Margin, $"recall {recall:0.000}");
    }

    [FashionMnistFact]
    public void Three_in_five_sneakers_relabelled_ankle_boot_are_named_and_recovered()
    {
        using var scenario = new PoisoningScenario();
        var (images, labels, goldenImages, goldenLabels) = FashionMnist.Draw(TrainingRows, GoldenRows, Seed);
        var sneakers = Enumerable.Range(0, labels.Length).Where(r => labels[r] == 7).ToList();
        var relabelled = sneakers.Where((_, i) => i % 5 < 3).ToList();
        Assert.True(relabelled.Count >= TrainingRows / 20, $"{relabelled.Count} rows relabelled");
        foreach (var row in relabelled) labels[row] = 9;

        var report = Evaluate(scenario, images, labels, goldenImages, goldenLabels);

        Assert.Equal(Verdict.Failed, report.Verdict);
        var targeted = PoisoningScenario.Check(report, "label-consistency/targeted/9-as-7");
        Assert.Equal(Outcome.Failed, targeted.Outcome);
        Assert.Contains("rows labelled 9 look like class 7", targeted.Finding.Message);
        output.WriteLine(targeted.Finding.Message);
        var (precision, recall) = Measure(scenario, relabelled, "Fashion-MNIST, 3 in 5 sneakers (7) relabelled ankle boot (9)");
        Assert.True(precision >= TargetedPrecision - Margin, $"precision {precision:0.000}");
        Assert.True(recall >= TargetedRecall - Margin, $"recall {recall:0.000}");
    }

    [FashionMnistFact]
    public void Clean_data_passes_and_almost_nothing_is_quarantined()
    {
        using var scenario = new PoisoningScenario();
        var (images, labels, goldenImages, goldenLabels) = FashionMnist.Draw(TrainingRows, GoldenRows, Seed);

        var report = Evaluate(scenario, images, labels, goldenImages, goldenLabels);

        foreach (var finding in report.Findings.Where(f => f.Outcome != Outcome.Passed))
            output.WriteLine($"{finding.Outcome} {finding.Finding.Subject}: {finding.Finding.Message}");
        Assert.Equal(Outcome.Passed, PoisoningScenario.Check(report, "label-consistency").Outcome);
        Assert.Equal(Outcome.Passed, PoisoningScenario.Check(report, "label-consistency/targeted").Outcome);
        var quarantined = scenario.Quarantined().Count;
        output.WriteLine($"Fashion-MNIST, clean: {quarantined} of {TrainingRows} rows quarantined");
        Assert.True(quarantined <= 0.03 * TrainingRows, $"{quarantined} rows quarantined");
    }

    /// <summary>Pixels in a CSV: declared images, they are read as today; left to auto, the CSV is read as a table by boosted trees.</summary>
    [FixtureFact]
    public void Digits_with_ten_percent_random_flips_read_as_images() =>
        Digits("        labelConsistency: {dataKind: image}", "digits as images (network)", DigitsPrecision, DigitsRecall);

    [FixtureFact]
    public void Digits_with_ten_percent_random_flips_read_as_a_table() =>
        Digits("", "digits as a table (boosted trees)", DigitsTablePrecision, DigitsTableRecall);

    private void Digits(string settings, string what, double minPrecision, double minRecall)
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

        var report = scenario.Evaluate(scenario.Dataset("training", "training.csv", "csv") + scenario.Dataset("golden", "golden.csv", "csv"), settings);

        Assert.Equal(Outcome.Failed, PoisoningScenario.Check(report, "label-consistency").Outcome);
        var (precision, recall) = Measure(scenario, flipped, $"{what}, 10 % random flips");
        Assert.True(precision >= minPrecision - Margin, $"precision {precision:0.000}");
        Assert.True(recall >= minRecall - Margin, $"recall {recall:0.000}");
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

/// <summary>The poisoning tests train classifiers: they run one at a time, apart from other heavy tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PoisoningCollection
{
    public const string Name = "poisoning";
}
