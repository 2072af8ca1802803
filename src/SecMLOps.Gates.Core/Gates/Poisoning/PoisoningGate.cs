using System.Globalization;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Gates.Poisoning;

/// <summary>
/// Checks a training set against a hash-pinned golden set of verified clean samples: golden
/// coverage, dataset integrity, conflicting duplicates, label consistency and distribution shift.
/// Suspicious training rows go to the quarantine file.
/// </summary>
public sealed class PoisoningGate(IModelScorer? scorer = null) : IGate
{
    private const int BatchSize = 4096;

    public string Kind => "poisoning";
    public string SettingsDefinition => "poisoningSettings";
    public string Title => "The training data matches a hash-pinned golden set of verified clean samples.";
    public string Description =>
        "The golden set must hold at least minGoldenFraction of the training set (overall and per class) and match its pinned sha256; " +
        "training rows that duplicate others (or golden rows) with a different label, rows whose label the golden set's neighbours contradict, " +
        "and per-feature or class-prior shift between training and golden fail the rule. Suspicious rows are written to the quarantine file for review.";

    public IEnumerable<Finding> Evaluate(GateContext context)
    {
        var settings = PoisoningSettings.From(context.Rule.Settings);
        var training = Dataset(context, settings.Training);
        var golden = Dataset(context, settings.Golden);
        var check = new PoisoningCheck(context.Rule.Id, context.RuleLocation);

        check.Integrity(training, pinRequired: false);
        check.Integrity(golden, pinRequired: true);

        var goldenSet = GoldenSet.Load(golden);
        var trainingReader = DatasetReaders.Open(training);
        if (trainingReader.FeatureCount != goldenSet.Dimension)
            throw new GateInputException(EngineRules.InputMissing,
                $"training rows have {trainingReader.FeatureCount} features but golden rows have {goldenSet.Dimension}", training.Location);

        var projection = FeatureProjection.Fit(goldenSet.Features, goldenSet.Count, goldenSet.Dimension, settings.Components, settings.Seed);
        var classes = Math.Max(goldenSet.Labels.Max() + 1, 1);
        var consistency = new LabelConsistency(projection.ProjectAll(goldenSet.Features, goldenSet.Count), goldenSet.Labels, projection.OutputDimension, classes, settings.Neighbours);
        var shift = new FeatureShift(goldenSet.Low, goldenSet.High);
        shift.AddGolden(goldenSet.Features, goldenSet.Count);
        var duplicates = new DuplicateIndex(goldenSet.Low, goldenSet.High, settings.NearDuplicateQuantum);
        duplicates.AddGolden(goldenSet.Features, goldenSet.Labels, goldenSet.Dimension);

        var trainingCounts = new long[classes];
        var suspicions = new List<LabelSuspicion>();
        var rows = 0;
        foreach (var batch in DatasetReaders.Batches(training, trainingReader, BatchSize))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                var label = batch.Labels[i];
                if (label >= trainingCounts.Length)
                    Array.Resize(ref trainingCounts, label + 1);
                trainingCounts[label]++;
                duplicates.AddTraining(batch.Row(i), batch.FirstRow + i, label);
            }
            shift.AddTraining(batch.Features, batch.Count);
            suspicions.AddRange(consistency.Check(projection.ProjectAll(batch.Features, batch.Count), batch.Labels, batch.FirstRow, projection.OutputDimension));
            rows += batch.Count;
        }
        if (rows == 0)
            throw new GateInputException(EngineRules.InputMissing, $"dataset {training.Name} has no rows", training.Location);

        var goldenCounts = new long[Math.Max(classes, trainingCounts.Length)];
        foreach (var label in goldenSet.Labels) goldenCounts[label]++;
        Array.Resize(ref trainingCounts, goldenCounts.Length);

        check.Coverage(trainingCounts, goldenCounts, settings.MinGoldenFraction);
        var conflicting = duplicates.ConflictingTrainingRows();
        var goldenConflicts = duplicates.GoldenConflicts();
        check.Duplicates(conflicting.Count, goldenConflicts.Count, settings.MaxConflictingDuplicates);
        check.Labels(suspicions.Count, rows, consistency.GoldenFlaggedFraction, settings.MaxExcessFlaggedFraction, settings.Neighbours);
        check.Shift(shift.LargestKs(), shift.LargestPsi(), FeatureShift.PriorShift(trainingCounts, goldenCounts), settings);

        if (settings.MinGoldenAccuracy is not null || settings.MaxRecallDrop is not null)
            check.Model(ScoreModels(context, settings, golden), settings);

        if (settings.Quarantine is not null)
        {
            var path = context.Root.Resolve(context.Policy.Directory, settings.Quarantine, context.Policy.Document.LocationOf(context.Rule.Settings["quarantine"]!));
            QuarantineFile.Write(path, Quarantine(suspicions, conflicting, goldenConflicts));
        }
        return check.Findings;
    }

    private (ClassScores Candidate, ClassScores? Baseline) ScoreModels(GateContext context, PoisoningSettings settings, DatasetSpec golden)
    {
        var model = context.Policy.Model
            ?? throw new GateInputException(EngineRules.SchemaViolation, $"rule {context.Rule.Id} checks a model but the policy has no spec.model", context.RuleLocation);
        if (scorer is null)
            throw new GateInputException(EngineRules.GateUnavailable, "model checks need the robustness engine, which this front end does not load", context.RuleLocation);
        context.RecordInput(model.Path);
        var candidate = scorer.Score(model, null, golden);
        if (settings.MaxRecallDrop is null)
            return (candidate, null);
        var baseline = model.Baseline
            ?? throw new GateInputException(EngineRules.SchemaViolation, "maxRecallDrop needs spec.model.baseline to compare with", context.RuleLocation);
        context.RecordInput(baseline.Path);
        return (candidate, scorer.Score(model, baseline, golden));
    }

    private static DatasetSpec Dataset(GateContext context, string name)
    {
        if (!context.Policy.Datasets.TryGetValue(name, out var dataset))
            throw new GateInputException(EngineRules.SchemaViolation,
                $"rule {context.Rule.Id} needs a dataset named '{name}' under spec.datasets", context.RuleLocation);
        context.RecordInput(dataset.Path);
        if (dataset.LabelsPath is not null && File.Exists(dataset.LabelsPath))
            context.RecordInput(dataset.LabelsPath);
        return dataset;
    }

    private static IEnumerable<QuarantinedRow> Quarantine(
        IReadOnlyList<LabelSuspicion> suspicions, IReadOnlyList<(int Row, int Label)> conflicting, IReadOnlyList<(int Row, int Label, int GoldenLabel)> goldenConflicts)
    {
        var rows = new SortedDictionary<int, (int Given, int? Suggested, double? Score, List<string> Reasons)>();
        foreach (var s in suspicions)
            rows[s.Row] = (s.GivenLabel, s.SuggestedLabel, s.Score, ["label-inconsistent"]);
        foreach (var (row, label, goldenLabel) in goldenConflicts)
        {
            var entry = rows.GetValueOrDefault(row, (label, goldenLabel, null, []));
            entry.Reasons.Add("duplicates-golden-row-with-other-label");
            rows[row] = entry with { Suggested = goldenLabel };
        }
        foreach (var (row, label) in conflicting)
        {
            var entry = rows.GetValueOrDefault(row, (label, null, null, []));
            entry.Reasons.Add("conflicting-duplicate");
            rows[row] = entry;
        }
        return rows.Select(r => new QuarantinedRow(r.Key, r.Value.Given, r.Value.Suggested, r.Value.Score, r.Value.Reasons));
    }
}
