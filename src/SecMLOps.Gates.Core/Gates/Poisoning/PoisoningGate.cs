using System.Globalization;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Models;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Gates.Poisoning;

/// <summary>
/// Checks a training set against a hash-pinned golden set of verified clean samples: golden
/// coverage, dataset integrity, conflicting duplicates, label consistency and distribution shift.
/// Suspicious training rows go to the quarantine file.
/// </summary>
public sealed class PoisoningGate(IModelScorer? scorer = null) : Gate<PoisoningSettings>
{
    public const string Kind = "poisoning";
    private const int BatchSize = 4096;

    public override GateDescriptor Descriptor { get; } = new(
        Kind,
        "The training data matches a hash-pinned golden set of verified clean samples.",
        "The golden set must hold at least minGoldenFraction of the training set (overall and per class) and be pinned by sha256; " +
        "training rows that duplicate others (or golden rows) with a different label, rows whose label the golden set's neighbours contradict, " +
        "and per-feature or class-prior shift between training and golden fail the rule. Suspicious rows are written to the quarantine file for review.",
        GateDescriptor.EmbeddedSettingsSchema(typeof(PoisoningGate), Kind));

    public override PoisoningSettings? Bind(SettingsBinder binder) => PoisoningSettings.Bind(binder);

    public override GateResult Evaluate(GateContext context, PoisoningSettings settings)
    {
        var check = new PoisoningCheck(context.Rule.Id, context.RuleLocation);
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

        var projection = FeatureProjection.Fit(goldenSet.Features, goldenSet.Count, goldenSet.Dimension, settings.Components, settings.Seed);
        var classes = goldenSet.Labels.Max() + 1;
        var consistency = new LabelConsistency(projection.ProjectAll(goldenSet.Features, goldenSet.Count), goldenSet.Labels, projection.OutputDimension, classes, settings.Neighbours);
        var shift = new FeatureShift(goldenSet.Low, goldenSet.High);
        shift.AddGolden(goldenSet.Features, goldenSet.Count);
        var duplicates = new DuplicateIndex(goldenSet.Low, goldenSet.High, settings.NearDuplicateQuantum);
        duplicates.AddGolden(goldenSet.Features, goldenSet.Labels, goldenSet.Dimension);

        var goldenCounts = new long[classes];
        foreach (var label in goldenSet.Labels) goldenCounts[label]++;
        var trainingCounts = new long[classes];
        var suspicions = new List<LabelSuspicion>();
        var rows = 0;
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
            shift.AddTraining(batch.Features, batch.Count);
            suspicions.AddRange(consistency.Check(projection.ProjectAll(batch.Features, batch.Count), batch.Labels, batch.FirstRow, projection.OutputDimension));
            rows += batch.Count;
        }
        if (rows == 0)
            throw new GateInputException(EngineRules.InputMalformed, $"dataset {settings.Training.Name} has no rows", settings.Training.Location);
        if (Enumerable.Range(0, classes).FirstOrDefault(c => goldenCounts[c] > 0 && trainingCounts[c] == 0, -1) is var orphan and >= 0)
            throw new GateInputException(EngineRules.InputMalformed,
                $"dataset {settings.Golden.Name} has rows of class {orphan}, which no training row has: the two sets do not describe the same classes", settings.Golden.Location);

        check.Coverage(trainingCounts, goldenCounts, settings.MinGoldenFraction);
        var conflicting = duplicates.ConflictingTrainingRows();
        var goldenConflicts = duplicates.GoldenConflicts();
        check.Duplicates(conflicting.Count, goldenConflicts.Count, settings.MaxConflictingDuplicates);
        check.Labels(suspicions.Count, rows, consistency.GoldenFlaggedFraction, settings.MaxExcessFlaggedFraction, settings.Neighbours);
        check.Shift(shift.LargestKs(), shift.LargestPsi(), FeatureShift.PriorShift(trainingCounts, goldenCounts), settings);

        if (settings.Model is not null)
            check.Model(ScoreModels(context, settings), settings);

        if (settings.Quarantine is { } quarantine)
            context.WriteOutput(quarantine, temporary => QuarantineFile.Write(temporary, Quarantine(suspicions, conflicting, goldenConflicts)));
        return new GateResult(check.Findings);
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
