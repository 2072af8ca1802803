using SecMLOps.Gates.Data;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Models;
using static System.FormattableString;

namespace SecMLOps.Gates.Poisoning;

/// <summary>
/// Turns each poisoning measurement into a passed or failed finding with its numbers. Findings about
/// the training labels also point at <paramref name="trainingLabels"/>, the file a data engineer fixes.
/// </summary>
internal sealed class PoisoningCheck(string ruleId, SourceLocation ruleLocation, SourceLocation trainingLabels)
{
    public List<Finding> Findings { get; } = [];

    private void AddAboutLabels(Finding finding) => Findings.Add(finding with { Locations = [.. finding.Locations, trainingLabels] });

    /// <summary>The golden set is the reference of every check, so it must be pinned (whether the pins hold is the dataset integrity check).</summary>
    public void GoldenPinned(DatasetSpec golden, Func<string, string> digest)
    {
        foreach (var (file, pinned, key) in golden.Pins)
        {
            if (pinned is not null) continue;
            Findings.Add(Finding.Failed(ruleId, $"integrity/{golden.Name}/{Path.GetFileName(file)}",
                $"the golden dataset {golden.Name} is not hash-pinned: set {key}: {digest(file)} once the file is verified", golden.Location));
        }
    }

    public void Coverage(long[] training, long[] golden, double minFraction)
    {
        var (trainingTotal, goldenTotal) = (training.Sum(), golden.Sum());
        var fraction = (double)goldenTotal / trainingTotal;
        var properties = new Dictionary<string, object> { ["goldenRows"] = goldenTotal, ["trainingRows"] = trainingTotal, ["goldenFraction"] = Round(fraction), ["minGoldenFraction"] = minFraction };
        Findings.Add(Finding.Judge(ruleId, "coverage", fraction, Limit.AtLeast(minFraction),
            Invariant($"the golden set has {goldenTotal} rows, {fraction:P1} of the {trainingTotal} training rows"), ruleLocation, properties));
        for (var c = 0; c < training.Length; c++)
        {
            if (training[c] == 0 || golden[c] >= minFraction * training[c]) continue;
            Findings.Add(Finding.Failed(ruleId, $"coverage/class-{c}",
                Invariant($"class {c}: the golden set has {golden[c]} rows for {training[c]} training rows ({(double)golden[c] / training[c]:P1}; at least {minFraction:P0} required)"),
                ruleLocation, new Dictionary<string, object> { ["class"] = c, ["goldenRows"] = golden[c], ["trainingRows"] = training[c] }));
        }
    }

    public void Duplicates(int conflicting, int goldenConflicts, int allowed)
    {
        var properties = new Dictionary<string, object> { ["conflictingDuplicateRows"] = conflicting, ["goldenConflictRows"] = goldenConflicts, ["maxConflictingDuplicates"] = allowed };
        AddAboutLabels(Finding.Judge(ruleId, "duplicates", conflicting + goldenConflicts, Limit.AtMost(allowed),
            Invariant($"{conflicting} training rows are in (near) duplicate groups with conflicting labels and {goldenConflicts} duplicate a golden row with another label"), ruleLocation, properties));
    }

    public void Labels(LabelNoiseResult result, PoisoningSettings settings)
    {
        var flagged = result.Flagged.Count;
        var fraction = (double)flagged / result.Rows;
        var properties = new Dictionary<string, object>
        {
            ["quarantinedRows"] = flagged, ["trainingRows"] = result.Rows, ["quarantinedFraction"] = Round(fraction),
            ["maxQuarantineFraction"] = settings.MaxQuarantineFraction, ["minExpectedPrecision"] = settings.MinExpectedPrecision,
            ["expectedPrecision"] = Round(result.ExpectedPrecision ?? double.NaN), ["estimatedWrongLabels"] = Round(result.Noise.NoisyRows),
            ["estimatedRandomFlips"] = Round(result.Noise.DiffuseRows),
        };
        var precision = result.ExpectedPrecision is { } expected ? Invariant($" (expected precision {expected:P0})") : "";
        // The quarantine is the most suspicious rows whose mean score stays at the floor; what the rows left
        // out still hold is the sum of their scores, wrong labels too uncertain one by one to name.
        var leftOut = result.ExpectedNoisyRows - result.Flagged.Sum(s => s.Score);
        properties["expectedWrongLabelsLeftOut"] = Round(leftOut);
        var difference = leftOut >= 0.5
            ? Invariant($"; the rows left out hold about {leftOut:0} of them, each too uncertain to keep the quarantine's expected precision at {settings.MinExpectedPrecision:P0} (a lower minExpectedPrecision quarantines more)")
            : "";
        AddAboutLabels(Finding.Judge(ruleId, "label-consistency", fraction, Limit.AtMost(settings.MaxQuarantineFraction),
            Invariant($"{flagged} of {result.Rows} training rows ({fraction:P2}) probably carry a wrong label and are quarantined{precision}; ") +
            Invariant($"the noise model learned against the golden set estimates {result.Noise.NoisyRows:0} wrong labels in all, {result.Noise.DiffuseRows:0} of them random flips") + difference,
            ruleLocation, properties));
    }

    /// <summary>A targeted relabelling: rows of one label that the golden set's view puts, in bulk, in one other class.</summary>
    public void Pairs(NoiseModel noise, long[] trainingCounts, double minShare)
    {
        var targeted = noise.Targeted(trainingCounts, minShare);
        if (targeted.Count == 0)
        {
            AddAboutLabels(Finding.Passed(ruleId, "label-consistency/targeted",
                Invariant($"no label's rows look, in bulk, like one other class (at least {minShare:P0} of a label's rows more than the other labels got from that class required)"), ruleLocation,
                new Dictionary<string, object> { ["minPairShare"] = minShare }));
            return;
        }
        foreach (var (pair, excess) in targeted)
            AddAboutLabels(Finding.Failed(ruleId, $"label-consistency/targeted/{pair.Given}-as-{pair.True}",
                Invariant($"about {pair.Rows:N0} of the {trainingCounts[pair.Given]:N0} rows labelled {pair.Given} look like class {pair.True} ({pair.Rows / trainingCounts[pair.Given]:P0}; ") +
                Invariant($"{pair.StandardErrors:0.#} standard errors above none; {excess:N0} more than the other labels got from class {pair.True}): a targeted relabelling of class {pair.True} as {pair.Given}"),
                ruleLocation, new Dictionary<string, object>
                {
                    ["givenLabel"] = pair.Given, ["trueClass"] = pair.True, ["estimatedRows"] = Round(pair.Rows), ["rowsAboveOtherLabels"] = Round(excess),
                    ["rowsWithLabel"] = trainingCounts[pair.Given], ["standardErrors"] = Round(pair.StandardErrors), ["minPairShare"] = minShare,
                }));
    }

    public void Shift(FeatureShiftResult ks, FeatureShiftResult psi, (double Statistic, int DegreesOfFreedom, double PValue) prior, PoisoningSettings settings)
    {
        var featureProperties = new Dictionary<string, object>
        {
            ["ksDistance"] = Round(ks.Value), ["ksFeature"] = ks.Feature, ["ksPValue"] = Round(ks.PValue ?? 1), ["maxKsStatistic"] = settings.MaxKsStatistic,
            ["psi"] = Round(psi.Value), ["psiFeature"] = psi.Feature, ["maxPsi"] = settings.MaxPsi,
        };
        var text = Invariant($"largest two-sample KS distance D = {ks.Value:0.###} (feature {ks.Feature}, p-value {ks.PValue:0.###e+0}); largest population stability index {psi.Value:0.###} (feature {psi.Feature})");
        Findings.Add(ks.Value <= settings.MaxKsStatistic && psi.Value <= settings.MaxPsi
            ? Finding.Passed(ruleId, "shift/features", Invariant($"{text}; limits D <= {settings.MaxKsStatistic}, PSI <= {settings.MaxPsi}"), ruleLocation, featureProperties)
            : Finding.Failed(ruleId, "shift/features", Invariant($"training and golden features differ: {text}; limits D <= {settings.MaxKsStatistic}, PSI <= {settings.MaxPsi}"), ruleLocation, featureProperties));

        var priorProperties = new Dictionary<string, object>
        {
            ["chiSquare"] = Round(prior.Statistic), ["degreesOfFreedom"] = prior.DegreesOfFreedom, ["pValue"] = Round(prior.PValue), ["minPriorShiftPValue"] = settings.MinPriorShiftPValue,
        };
        Findings.Add(Finding.Judge(ruleId, "shift/class-prior", prior.PValue, Limit.AtLeast(settings.MinPriorShiftPValue, "0.###e+0"),
            Invariant($"class priors of training and golden: chi-square {prior.Statistic:0.##} with {prior.DegreesOfFreedom} degrees of freedom, p-value {prior.PValue:0.###e+0}"), ruleLocation, priorProperties));
    }

    public void Model((ClassScores Candidate, ClassScores? Baseline) scores, PoisoningSettings settings)
    {
        var (candidate, baseline) = scores;
        if (settings.MinGoldenAccuracy is { } minimum)
        {
            var properties = new Dictionary<string, object> { ["goldenAccuracy"] = Round(candidate.Accuracy), ["minGoldenAccuracy"] = minimum };
            Findings.Add(Finding.Judge(ruleId, "model/golden-accuracy", candidate.Accuracy, Limit.AtLeast(minimum),
                Invariant($"the model's accuracy on the golden set is {candidate.Accuracy:P1}"), ruleLocation, properties));
        }
        if (settings.MaxRecallDrop is not { } maxDrop || baseline is null)
            return;
        var drops = Enumerable.Range(0, Math.Max(candidate.Total.Count, baseline.Total.Count))
            .Select(c => (Class: c, Drop: baseline.Recall(c) - candidate.Recall(c)))
            .Where(d => !double.IsNaN(d.Drop)).ToList();
        var worst = drops.MaxBy(d => d.Drop);
        var worstProperties = new Dictionary<string, object> { ["class"] = worst.Class, ["recallDrop"] = Round(worst.Drop), ["maxRecallDrop"] = maxDrop };
        var failing = drops.Where(d => d.Drop > maxDrop).ToList();
        Findings.Add(failing.Count == 0
            ? Finding.Passed(ruleId, "model/recall-drop", Invariant($"no class's recall on the golden set falls more than {maxDrop:P1} below the baseline model's (largest drop {worst.Drop:P1}, class {worst.Class})"), ruleLocation, worstProperties)
            : Finding.Failed(ruleId, "model/recall-drop", Invariant($"recall on the golden set fell below the baseline model's by more than {maxDrop:P1} for class(es) {string.Join(", ", failing.Select(f => Invariant($"{f.Class} ({baseline.Recall(f.Class):P1} -> {candidate.Recall(f.Class):P1})")))}: a sign of targeted poisoning"), ruleLocation, worstProperties));
    }

    private static double Round(double value) => double.IsFinite(value) ? Math.Round(value, 6) : value;
}
