using SecMLOps.Gates.Data;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Poisoning;

/// <summary>A poisoning rule's settings, bound when the policy loads (schema: poisoning.settings.schema.json).</summary>
public sealed record PoisoningSettings(
    DatasetSpec Training,
    DatasetSpec Golden,
    double MinGoldenFraction,
    string? Quarantine,
    int Seed,
    int Folds,
    int Components,
    double MinExpectedPrecision,
    double MaxQuarantineFraction,
    double MinPairShare,
    double NearDuplicateQuantum,
    int MaxConflictingDuplicates,
    double MaxKsStatistic,
    double MaxPsi,
    double MinPriorShiftPValue,
    double? MinGoldenAccuracy,
    double? MaxRecallDrop,
    ModelSpec? Model,
    LabelFeatures Features = LabelFeatures.Raw,
    DataKind DataKind = DataKind.Auto,
    LabelClassifier? Classifier = null)
{
    public static PoisoningSettings? Bind(SettingsBinder binder)
    {
        var training = binder.Dataset("training");
        var golden = binder.Dataset("golden");
        if (training is not null && golden is not null && training.Name == golden.Name)
            binder.Error(EngineRules.PolicyInconsistent, $"training and golden name the same dataset '{golden.Name}'; the golden set must be separate verified data", binder["golden"] ?? binder["training"]);
        var labels = binder.Child("labelConsistency");
        var duplicates = binder.Child("duplicates");
        var shift = binder.Child("distributionShift");
        var model = binder.Child("model");
        var (minGoldenAccuracy, maxRecallDrop) = (model.OptionalNumber("minGoldenAccuracy"), model.OptionalNumber("maxRecallDrop"));
        var features = LabelFeatureNames.Words.Parse(labels.Text("features"));
        var dataKind = DataKinds.Words.Parse(labels.Text("dataKind"));
        var classifier = labels.Text("classifier") is var family && family == DataKinds.Auto ? (LabelClassifier?)null : LabelClassifiers.Words.Parse(family);
        var spec = minGoldenAccuracy is not null || maxRecallDrop is not null ? binder.Model("checks a model on the golden set")
            : features == LabelFeatures.ModelLogits ? binder.Model("reads the model's logits (labelConsistency.features: model-logits)")
            : null;
        if (maxRecallDrop is not null && spec is not null && spec.Baseline is null)
            binder.Error(EngineRules.PolicyInconsistent, "maxRecallDrop compares with spec.model.baseline, which the policy does not declare", model["maxRecallDrop"]);
        var quarantine = binder.OutputFile("quarantine", "quarantine file");
        if (training is null || golden is null)
            return null;
        return new PoisoningSettings(training, golden, binder.Number("minGoldenFraction"), quarantine, binder.Integer("seed"),
            labels.Integer("folds"), labels.Integer("components"), labels.Number("minExpectedPrecision"),
            labels.Number("maxQuarantineFraction"), labels.Number("minPairShare"),
            duplicates.Number("nearDuplicateQuantum"), duplicates.Integer("maxConflictingDuplicates"),
            shift.Number("maxKsStatistic"), shift.Number("maxPsi"), shift.Number("minPriorShiftPValue"),
            minGoldenAccuracy, maxRecallDrop, spec, features, dataKind, classifier);
    }
}

/// <summary>What the label check's classifiers read for each row.</summary>
public enum LabelFeatures
{
    /// <summary>The row's own values.</summary>
    Raw,

    /// <summary>spec.model's logits for the row.</summary>
    ModelLogits,
}

public static class LabelFeatureNames
{
    public static readonly Vocabulary<LabelFeatures> Words = new((LabelFeatures.Raw, "raw"), (LabelFeatures.ModelLogits, "model-logits"));
}

/// <summary>What the rows are, which decides how their values are prepared and, by default, which classifier reads them.</summary>
public enum DataKind
{
    /// <summary>A table when the training dataset's format is one (CSV), else an image.</summary>
    Auto,

    /// <summary>Columns with their own scales: each standardised on the golden set; gradient-boosted trees by default.</summary>
    Table,

    /// <summary>Values on one scale (pixels): one affine map for all; a network by default.</summary>
    Image,
}

public static class DataKinds
{
    public const string Auto = "auto";

    public static readonly Vocabulary<DataKind> Words = new((DataKind.Auto, Auto), (DataKind.Table, "table"), (DataKind.Image, "image"));
}

/// <summary>The family of classifiers the label check trains.</summary>
public enum LabelClassifier
{
    /// <summary>A one-hidden-layer network on the golden set's principal components.</summary>
    Network,

    /// <summary>Gradient-boosted decision trees (LightGBM) on the prepared features.</summary>
    BoostedTrees,
}

public static class LabelClassifiers
{
    public static readonly Vocabulary<LabelClassifier> Words = new((LabelClassifier.Network, "network"), (LabelClassifier.BoostedTrees, "boosted-trees"));
}
