using System.Globalization;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Models;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Poisoning;

/// <summary>
/// Checks a training set against a hash-pinned golden set of verified clean samples: golden
/// coverage, dataset integrity, conflicting duplicates, labels (a noise model learned against the
/// golden set, <see cref="LabelNoiseCheck"/>), targeted relabelling and distribution shift.
/// Suspicious training rows go to the quarantine file, most suspicious first.
/// </summary>
public sealed class PoisoningGate(IModelScorer? scorer = null, IReadOnlyList<ILabelModelTrainer>? trainers = null) : Gate<PoisoningSettings>
{
    public const string Kind = "poisoning";
    private const int BatchSize = 4096;

    public override GateDescriptor Descriptor { get; } = new(
        Kind,
        "The training data matches a hash-pinned golden set of verified clean samples.",
        "The golden set must hold at least minGoldenFraction of the training set (overall and per class) and be pinned by sha256. " +
        "Classifiers trained on the golden set alone and cross-validated over the training set estimate how labels were changed and which rows carry a wrong label: " +
        "more than maxQuarantineFraction of rows quarantined, one label's rows estimated in bulk (minPairShare) to be another class, " +
        "training rows that duplicate others (or golden rows) with a different label, and per-feature or class-prior shift between training and golden fail the rule. " +
        "Suspicious rows are written to the quarantine file, most suspicious first, with their score and signals.",
        GateDescriptor.EmbeddedSettingsSchema(typeof(PoisoningGate), Kind))
    {
        Cacheable = true,
        RunsModelCode = true,
        ModelFormats = scorer?.Formats ?? [],
    };

    public override PoisoningSettings? Bind(SettingsBinder binder) => PoisoningSettings.Bind(binder);

    /// <summary>Labelled training data and a golden set are what init cannot know: a pointer, for models that read labelled samples.</summary>
    public override ScaffoldSection? Scaffold(ScaffoldContext context) =>
        context.EvaluationFormat is null or { Open: not null }
            ? new([$"# Poisoning (a hash-pinned golden set >= 10 % of the training data): see {Descriptor.HelpPath}."], IsRule: false)
            : null;

    /// <summary>The label check's results come from its trainers and scorer, which live in the runtime's assembly.</summary>
    public override IEnumerable<System.Reflection.Assembly> Implementation =>
        [GetType().Assembly, .. (trainers ?? []).Select(t => t.GetType().Assembly), .. scorer is null ? [] : new[] { scorer.GetType().Assembly }];

    public override GateResult Evaluate(GateContext context, PoisoningSettings settings)
    {
        var kind = settings.DataKind != DataKind.Auto ? settings.DataKind
            : settings.Training.Format.Table ? DataKind.Table : DataKind.Image;
        var classifier = settings.Classifier ?? (kind == DataKind.Table && settings.Features == LabelFeatures.Raw ? LabelClassifier.BoostedTrees : LabelClassifier.Network);
        var trainer = trainers?.FirstOrDefault(t => t.Classifier == classifier)
            ?? throw new GateInputException(EngineRules.GateUnavailable,
                $"the label check trains {LabelClassifiers.Words.Word(classifier)} classifiers, which this front end does not load", context.RuleLocation);
        var check = new PoisoningCheck(context.Rule.Id, context.RuleLocation,
            new SourceLocation(context.Root.Relative(settings.Training.LabelsPath ?? settings.Training.Path), 0, 0));
        var (trainingReader, trainingIntegrity) = context.OpenDataset(settings.Training);
        var (goldenReader, goldenIntegrity) = context.OpenDataset(settings.Golden);
        check.Findings.AddRange(trainingIntegrity.Concat(goldenIntegrity));
        check.GoldenPinned(settings.Golden, FileDigest.Sha256);

        var modelClasses = settings.Model is not null ? scorer?.ClassCount(settings.Model) : null;
        var goldenSet = GoldenSet.Load(settings.Golden, goldenReader, modelClasses);
        if (goldenSet.Count == 0)
            throw new GateInputException(EngineRules.InputMalformed, $"dataset {settings.Golden.Name} has no rows", settings.Golden.Location);
        if (trainingReader.FeatureCount != goldenSet.Dimension)
            throw new GateInputException(EngineRules.InputMalformed,
                $"training rows have {trainingReader.FeatureCount} features but golden rows have {goldenSet.Dimension}", settings.Training.Location);
        var classes = goldenSet.Labels.Max() + 1;
        if (goldenSet.Labels.Distinct().Count() < 2)
            throw new GateInputException(EngineRules.InputMalformed, $"dataset {settings.Golden.Name} holds one class; labels cannot be checked against it", settings.Golden.Location);

        var shift = new FeatureShift(goldenSet.Low, goldenSet.High);
        shift.AddGolden(goldenSet.Features, goldenSet.Count);
        var duplicates = new DuplicateIndex(goldenSet.Low, goldenSet.High, settings.NearDuplicateQuantum);
        duplicates.AddGolden(goldenSet.Features, goldenSet.Labels, goldenSet.Dimension);
        // Categories are read alike in both sets, or the label check would compare codes with amounts.
        if (!trainingReader.CategoricalFeatures.SequenceEqual(goldenReader.CategoricalFeatures))
            throw new GateInputException(EngineRules.PolicyInconsistent,
                $"datasets {settings.Training.Name} and {settings.Golden.Name} declare different categorical columns; they must hold the same columns read the same way", settings.Training.Location);
        if (trainingReader.CategoricalFeatures.Count > 0 && (kind != DataKind.Table || settings.Features != LabelFeatures.Raw))
            throw new GateInputException(EngineRules.PolicyInconsistent,
                $"dataset {settings.Training.Name} declares categorical columns, which the label check reads only when it reads the rows' values as a table (labelConsistency.dataKind, features)", settings.Training.Location);
        var view = LabelView(context, settings, goldenSet, kind, trainingReader.CategoricalFeatures);
        context.Progress($"training {LabelClassifiers.Words.Word(classifier)} classifiers on {goldenSet.Count} golden rows ({settings.Folds} folds), reading the rows as {DataKinds.Words.Word(kind)}");
        using var labels = new LabelNoiseCheck(trainer, view.Golden, goldenSet.Labels, view.Dimension,
            new LabelModelOptions(classes, settings.Folds, settings.Components, settings.Seed));

        var goldenCounts = new long[classes];
        foreach (var label in goldenSet.Labels) goldenCounts[label]++;
        var trainingCounts = new long[classes];
        var rows = 0;
        var rowIds = new List<string>();
        // Training labels must be classes the golden set verifies: a label it has never seen cannot be checked.
        foreach (var batch in DatasetValues.Checked(settings.Training, trainingReader, BatchSize, DatasetValues.RangeOf(settings.Training, trainingReader, null), classes))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (goldenCounts[batch.Labels[i]] == 0)
                    throw new GateInputException(EngineRules.InputMalformed,
                        $"dataset {settings.Training.Name}: row {batch.FirstRow + i} has label {batch.Labels[i]}, a class with no golden row to verify it against", settings.Training.Location);
                trainingCounts[batch.Labels[i]]++;
                duplicates.AddTraining(batch.Row(i), batch.FirstRow + i, batch.Labels[i]);
            }
            rowIds.AddRange(batch.RowIds ?? []);
            shift.AddTraining(batch.Features, batch.Count);
            labels.Add(view.Training(batch), batch.Count, batch.FirstRow, batch.Labels);
            rows += batch.Count;
            context.Progress($"scored {rows} training rows");
        }
        if (rows == 0)
            throw new GateInputException(EngineRules.InputMalformed, $"dataset {settings.Training.Name} has no rows", settings.Training.Location);
        if (Enumerable.Range(0, classes).FirstOrDefault(c => goldenCounts[c] > 0 && trainingCounts[c] == 0, -1) is var orphan and >= 0)
            throw new GateInputException(EngineRules.InputMalformed,
                $"dataset {settings.Golden.Name} has rows of class {orphan}, which no training row has: the two sets do not describe the same classes", settings.Golden.Location);

        context.Progress($"cross-validating over {rows} training rows ({settings.Folds} folds)");
        var result = labels.Finish(settings.MinExpectedPrecision);
        check.Coverage(trainingCounts, goldenCounts, settings.MinGoldenFraction);
        var conflicting = duplicates.ConflictingTrainingRows();
        var goldenConflicts = duplicates.GoldenConflicts();
        check.Duplicates(conflicting.Count, goldenConflicts.Count, settings.MaxConflictingDuplicates);
        check.Labels(result, settings);
        check.Pairs(result.Noise, trainingCounts, settings.MinPairShare);
        check.Shift(shift.LargestKs(), shift.LargestPsi(), FeatureShift.PriorShift(trainingCounts, goldenCounts), settings);

        if (settings.Model is not null)
            check.Model(ScoreModels(context, settings), settings);

        if (settings.Quarantine is { } quarantine)
            context.WriteOutput(quarantine, temporary => QuarantineFile.Write(temporary, Quarantine(result, conflicting, goldenConflicts, settings.MinPairShare, trainingCounts),
                rowIds.Count == rows ? rowIds : null));
        return new GateResult(check.Findings);
    }

    /// <summary>What the label check reads: golden rows, and a map from a training batch to its rows, scaled alike.</summary>
    private sealed record LabelInputs(float[] Golden, int Dimension, Func<LabeledBatch, float[]> Training);

    /// <summary>
    /// The rows' own values, or spec.model's logits for them (labelConsistency.features), prepared on the
    /// golden set so the classifiers get inputs of a known size: a table column by column
    /// (<see cref="TableScale"/>), pixels and logits by the golden set's smallest and largest value.
    /// </summary>
    private LabelInputs LabelView(GateContext context, PoisoningSettings settings, GoldenSet goldenSet, DataKind kind, IReadOnlyList<int> categorical)
    {
        if (settings.Features == LabelFeatures.Raw && kind == DataKind.Table)
        {
            var table = TableScale.Fit(goldenSet.Features, goldenSet.Count, goldenSet.Dimension, categorical);
            return new LabelInputs(table.Apply(goldenSet.Features), table.Dimension, batch => table.Apply(batch.Features));
        }
        if (settings.Features == LabelFeatures.Raw)
        {
            var scale = goldenSet.Scale();
            return new LabelInputs(scale.Apply(goldenSet.Features), goldenSet.Dimension, batch => scale.Apply(batch.Features));
        }
        var model = settings.Model!;
        if (scorer is null)
            throw new GateInputException(EngineRules.GateUnavailable, "reading the model's logits needs the model runtime, which this front end does not load", context.RuleLocation);
        context.RecordInput(model.Path);
        context.Progress("computing the model's logits for the golden and training rows");
        var golden = scorer.Logits(model, settings.Golden);
        var training = scorer.Logits(model, settings.Training);
        var width = golden.Length / goldenSet.Count;
        if (width < 2 || golden.Length != width * goldenSet.Count || training.Length % width != 0)
            throw new GateInputException(EngineRules.UnsupportedModelFeature,
                $"spec.model gives {golden.Length} logits for {goldenSet.Count} golden rows; the label check needs one row of at least two class scores per sample", model.Location);
        var logitScale = FeatureScale.Spanning(golden.Min(), golden.Max());
        return new LabelInputs(logitScale.Apply(golden), width,
            batch => logitScale.Apply(training[(batch.FirstRow * width)..((batch.FirstRow + batch.Count) * width)]));
    }

    private (ClassScores Candidate, ClassScores? Baseline) ScoreModels(GateContext context, PoisoningSettings settings)
    {
        var model = settings.Model!;
        if (scorer is null)
            throw new GateInputException(EngineRules.GateUnavailable, "model checks need the model runtime, which this front end does not load", context.RuleLocation);
        context.RecordInput(model.Path);
        var candidate = scorer.Score(model, null, settings.Golden);
        if (settings.MaxRecallDrop is null)
            return (candidate, null);
        context.RecordInput(model.Baseline!.Path);
        return (candidate, scorer.Score(model, model.Baseline, settings.Golden));
    }

    /// <summary>
    /// The rows to review, most suspicious first: the label check's, then rows that conflict with a
    /// duplicate, each with every signal that flagged it. A row that duplicates a golden row with
    /// another label is as good as certain (score 1); a conflicting duplicate the label check did
    /// not flag keeps its own score.
    /// </summary>
    private static IEnumerable<QuarantinedRow> Quarantine(LabelNoiseResult labels, IReadOnlyList<(int Row, int Label)> conflicting,
        IReadOnlyList<(int Row, int Label, int GoldenLabel)> goldenConflicts, double minPairShare, long[] trainingCounts)
    {
        var pairs = labels.Noise.Targeted(trainingCounts, minPairShare).Select(t => (t.Pair.Given, t.Pair.True)).ToHashSet();
        var rows = new Dictionary<int, QuarantinedRow>();
        foreach (var suspect in labels.Flagged)
        {
            List<string> signals = ["label-noise"];
            if (pairs.Contains((suspect.GivenLabel, suspect.SuggestedLabel)))
                signals.Add($"relabelled-{suspect.GivenLabel}-from-{suspect.SuggestedLabel}");
            rows[suspect.Row] = new QuarantinedRow(suspect.Row, suspect.GivenLabel, suspect.SuggestedLabel, suspect.Score, signals);
        }
        foreach (var (row, label, goldenLabel) in goldenConflicts)
        {
            var entry = rows.GetValueOrDefault(row) ?? new QuarantinedRow(row, label, goldenLabel, 1, []);
            rows[row] = entry with { SuggestedLabel = goldenLabel, Score = 1, Signals = [.. entry.Signals, "duplicates-golden-row-with-other-label"] };
        }
        foreach (var (row, label) in conflicting)
        {
            var entry = rows.GetValueOrDefault(row) ?? new QuarantinedRow(row, label, null, 0, []);
            rows[row] = entry with { Signals = [.. entry.Signals, "conflicting-duplicate"] };
        }
        return rows.Values.OrderByDescending(r => r.Score).ThenBy(r => r.Row);
    }
}
