using SecMLOps.Gates.Data;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Gates.Poisoning;

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
    LabelFeatures Features = LabelFeatures.Raw)
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
        var features = labels.Text("features") == "model-logits" ? LabelFeatures.ModelLogits : LabelFeatures.Raw;
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
            minGoldenAccuracy, maxRecallDrop, spec, features);
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
