using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Gates.Poisoning;

public sealed class PoisoningGateTests
{
    private static string SampleDatasets(PoisoningScenario scenario, string trainingLabels = "train-labels.idx.gz", bool pinTraining = true)
    {
        scenario.CopySample("train-images-idx3-ubyte.gz", "train-images.idx.gz");
        if (!File.Exists(scenario.Full(trainingLabels)))
            scenario.CopySample("train-labels-idx1-ubyte.gz", trainingLabels);
        scenario.CopySample("golden-images-idx3-ubyte.gz", "golden-images.idx.gz");
        scenario.CopySample("golden-labels-idx1-ubyte.gz", "golden-labels.idx.gz");
        return scenario.Dataset("training", "train-images.idx.gz", "idx", trainingLabels, pin: pinTraining)
            + scenario.Dataset("golden", "golden-images.idx.gz", "idx", "golden-labels.idx.gz");
    }

    /// <summary>A label check of two folds on twenty components, for tests of the rule's other checks: about a third of the default's cost.</summary>
    private const string CheapLabelCheck = "        labelConsistency: {folds: 2, components: 20}";

    [Fact]
    public void Reading_the_models_logits_without_a_model_is_a_policy_error()
    {
        using var scenario = new PoisoningScenario();
        var report = scenario.Evaluate(SampleDatasets(scenario), "        labelConsistency: {features: model-logits}");
        Assert.Equal(Verdict.Error, report.Verdict);
        Assert.Contains(report.Findings, f => f.Rule.Id == global::SecMLOps.Gates.Findings.EngineRules.PolicyInconsistent.Id && f.Finding.Message.Contains("model-logits"));
    }

    [Fact]
    [Trait("Layer", "slow")]
    public void Clean_training_data_passes_every_check()
    {
        using var scenario = new PoisoningScenario();
        var report = scenario.Evaluate(SampleDatasets(scenario));
        Assert.Equal(Verdict.Passed, report.Verdict);
        Assert.Equal(10, report.Count(Outcome.Passed));
        Assert.Equal(["policy.yaml", "train-labels.idx.gz"], PoisoningScenario.Check(report, "label-consistency").Finding.Locations.Select(l => l.Path));
    }

    [Fact]
    public void A_golden_file_whose_digest_does_not_match_is_an_integrity_error_naming_both_digests()
    {
        using var scenario = new PoisoningScenario();
        var datasets = SampleDatasets(scenario);
        var pinned = global::SecMLOps.Gates.Data.FileDigest.Sha256(scenario.Full("golden-labels.idx.gz"));
        var labels = IdxFiles.ReadLabels(scenario.Full("golden-labels.idx.gz"));
        labels[17] = (byte)((labels[17] + 1) % 10);
        IdxFiles.WriteLabels(scenario.Full("golden-labels.idx.gz"), labels);
        var actual = global::SecMLOps.Gates.Data.FileDigest.Sha256(scenario.Full("golden-labels.idx.gz"));

        var report = scenario.Evaluate(datasets);
        var error = Assert.Single(report.Findings, f => f.Outcome == Outcome.Error);
        Assert.Equal(EngineRules.InputIntegrity.Id, error.Rule.Id);
        Assert.Contains($"expected {pinned}, actual {actual}", error.Finding.Message);
        Assert.Equal(Verdict.Error, report.Verdict);
    }

    [Fact]
    [Trait("Layer", "slow")]
    public void A_golden_set_below_ten_percent_fails_with_both_sizes()
    {
        using var scenario = new PoisoningScenario();
        var images = IdxFiles.ReadImages(PoisoningScenario.SampleData("golden-images-idx3-ubyte.gz"));
        var labels = IdxFiles.ReadLabels(PoisoningScenario.SampleData("golden-labels-idx1-ubyte.gz"));
        var datasets = SampleDatasets(scenario);
        IdxFiles.WriteImages(scenario.Full("small-images.idx"), images[..(500 * 784)], 28, 28);
        IdxFiles.WriteLabels(scenario.Full("small-labels.idx"), labels[..500]);
        var small = datasets[..datasets.IndexOf("    golden:")] + scenario.Dataset("golden", "small-images.idx", "idx", "small-labels.idx");
        var finding = PoisoningScenario.Check(scenario.Evaluate(small, CheapLabelCheck), "coverage");
        Assert.Equal(Outcome.Failed, finding.Outcome);
        Assert.Contains("the golden set has 500 rows, 8.3 % of the 6000 training rows (at least 0.1 required)", finding.Finding.Message);
    }

    [Fact]
    [Trait("Layer", "slow")]
    public void An_unpinned_golden_set_fails()
    {
        using var scenario = new PoisoningScenario();
        var datasets = SampleDatasets(scenario);
        var unpinned = datasets[..datasets.IndexOf("    golden:")] + scenario.Dataset("golden", "golden-images.idx.gz", "idx", "golden-labels.idx.gz", pin: false);
        var report = scenario.Evaluate(unpinned, CheapLabelCheck);
        Assert.Contains(report.Findings, f => f.Outcome == Outcome.Failed && f.Finding.Message.Contains("is not hash-pinned"));
    }

    [Fact]
    public void A_truncated_dataset_is_an_input_error()
    {
        using var scenario = new PoisoningScenario();
        var datasets = SampleDatasets(scenario, pinTraining: false);
        var bytes = File.ReadAllBytes(scenario.Full("train-images.idx.gz"));
        File.WriteAllBytes(scenario.Full("train-images.idx.gz"), bytes[..(bytes.Length / 2)]);
        var report = scenario.Evaluate(datasets);
        Assert.Equal(Verdict.Error, report.Verdict);
        Assert.Contains(report.Findings, f => f.Rule.Id == EngineRules.InputMalformed.Id && f.Finding.Message.Contains("dataset training"));
    }

    [Fact]
    [Trait("Layer", "slow")]
    public void Conflicting_duplicates_of_golden_rows_are_found_and_quarantined()
    {
        using var scenario = new PoisoningScenario();
        var datasets = SampleDatasets(scenario);
        var trainingImages = IdxFiles.ReadImages(scenario.Full("train-images.idx.gz"));
        var trainingLabels = IdxFiles.ReadLabels(scenario.Full("train-labels.idx.gz"));
        var goldenImages = IdxFiles.ReadImages(scenario.Full("golden-images.idx.gz"));
        var goldenLabels = IdxFiles.ReadLabels(scenario.Full("golden-labels.idx.gz"));
        // Row 0 becomes a copy of golden row 0 with another label.
        goldenImages.AsSpan(0, 784).CopyTo(trainingImages);
        trainingLabels[0] = (byte)((goldenLabels[0] + 1) % 10);
        IdxFiles.WriteImages(scenario.Full("train-images.idx"), trainingImages, 28, 28);
        IdxFiles.WriteLabels(scenario.Full("train-labels.idx"), trainingLabels);
        var changed = scenario.Dataset("training", "train-images.idx", "idx", "train-labels.idx") + datasets[datasets.IndexOf("    golden:")..];
        var report = scenario.Evaluate(changed);
        var duplicates = PoisoningScenario.Check(report, "duplicates");
        Assert.Equal(Outcome.Failed, duplicates.Outcome);
        Assert.Contains("1 duplicate a golden row with another label", duplicates.Finding.Message);
        Assert.Equal(goldenLabels[0], scenario.Quarantined()[0]);
    }
}

/// <summary>Tables with a category code: declared alike in both sets, it is read as categories; declared in one only, the rule stops.</summary>
public sealed class CategoricalColumnTests
{
    /// <summary>Column 0 a category code (1 to 5, which tells the class), column 1 an amount in the thousands, the label last.</summary>
    private static string Table(int rows, int seed)
    {
        var random = new Random(seed);
        return "kind,amount,label\n" + string.Concat(Enumerable.Range(0, rows).Select(_ =>
        {
            var label = random.Next(2);
            var kind = label == 0 ? random.Next(1, 3) : random.Next(3, 6);
            return FormattableString.Invariant($"{kind},{1000 + 300 * label + 100 * random.NextDouble():0.##},{label}\n");
        }));
    }

    private static string Datasets(PoisoningScenario scenario, string trainingExtra, string goldenExtra)
    {
        scenario.Write("training.csv", Table(600, 1));
        scenario.Write("golden.csv", Table(200, 2));
        return scenario.Dataset("training", "training.csv", "csv", extra: trainingExtra) + scenario.Dataset("golden", "golden.csv", "csv", extra: goldenExtra);
    }

    [Fact]
    public void Declared_in_both_sets_clean_labels_pass()
    {
        using var scenario = new PoisoningScenario();
        const string categorical = "      categoricalColumns: [0]\n";
        var report = scenario.Evaluate(Datasets(scenario, categorical, categorical));
        Assert.DoesNotContain(report.Findings, f => f.Outcome == Outcome.Error);
        Assert.Equal(Outcome.Passed, PoisoningScenario.Check(report, "label-consistency").Outcome);
        Assert.Equal(Outcome.Passed, PoisoningScenario.Check(report, "label-consistency/targeted").Outcome);
        Assert.Empty(scenario.Quarantined());
    }

    [Fact]
    public void Declared_in_one_set_only_is_a_policy_error()
    {
        using var scenario = new PoisoningScenario();
        var report = scenario.Evaluate(Datasets(scenario, "      categoricalColumns: [0]\n", ""));
        Assert.Equal(Verdict.Error, report.Verdict);
        Assert.Contains(report.Findings, f => f.Finding.Message.Contains("declare different categorical columns"));
    }

    [Fact]
    public void Declared_for_rows_read_as_images_is_a_policy_error()
    {
        using var scenario = new PoisoningScenario();
        const string categorical = "      categoricalColumns: [0]\n";
        var report = scenario.Evaluate(Datasets(scenario, categorical, categorical), "        labelConsistency: {dataKind: image}");
        Assert.Equal(Verdict.Error, report.Verdict);
        Assert.Contains(report.Findings, f => f.Finding.Message.Contains("reads only when it reads the rows' values as a table"));
    }
}
