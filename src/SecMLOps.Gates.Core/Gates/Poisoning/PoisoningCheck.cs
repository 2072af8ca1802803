using SecMLOps.Gates.Data;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Gates.Poisoning;

/// <summary>Turns each poisoning measurement into a passed or failed finding with its numbers.</summary>
internal sealed class PoisoningCheck(string ruleId, SourceLocation ruleLocation)
{
    public List<Finding> Findings { get; } = [];

    public void Integrity(DatasetSpec dataset, bool pinRequired)
    {
        foreach (var (file, pinned, key) in new[] { (dataset.Path, dataset.Sha256, "sha256"), (dataset.LabelsPath, dataset.LabelsSha256, "labelsSha256") })
        {
            if (file is null) continue;
            var subject = $"integrity/{dataset.Name}/{Path.GetFileName(file)}";
            if (!File.Exists(file))
                throw new GateInputException(EngineRules.InputMissing, $"dataset {dataset.Name}: {file} does not exist", dataset.Location);
            var actual = FileDigest.Sha256(file);
            var properties = new Dictionary<string, object> { ["actualSha256"] = actual };
            if (pinned is null)
            {
                if (pinRequired)
                    Findings.Add(Finding.Failed(ruleId, subject, $"dataset {dataset.Name} is not hash-pinned: set {key}: {actual} once the file is verified", dataset.Location, properties));
                continue;
            }
            properties["expectedSha256"] = pinned;
            Findings.Add(pinned == actual
                ? Finding.Passed(ruleId, subject, $"dataset {dataset.Name} ({Path.GetFileName(file)}) matches its pinned sha256", dataset.Location, properties)
                : Finding.Failed(ruleId, subject, $"dataset {dataset.Name} ({Path.GetFileName(file)}) does not match its pinned digest: expected sha256 {pinned}, actual {actual}", dataset.Location, properties));
        }
    }

    public void Coverage(long[] training, long[] golden, double minFraction)
    {
        var (trainingTotal, goldenTotal) = (training.Sum(), golden.Sum());
        var fraction = (double)goldenTotal / trainingTotal;
        var properties = new Dictionary<string, object> { ["goldenRows"] = goldenTotal, ["trainingRows"] = trainingTotal, ["goldenFraction"] = Round(fraction), ["minGoldenFraction"] = minFraction };
        Findings.Add(fraction >= minFraction
            ? Finding.Passed(ruleId, "coverage", $"the golden set has {goldenTotal} rows, {fraction:P1} of the {trainingTotal} training rows (at least {minFraction:P0} required)", ruleLocation, properties)
            : Finding.Failed(ruleId, "coverage", $"the golden set has {goldenTotal} rows, only {fraction:P1} of the {trainingTotal} training rows; at least {minFraction:P0} ({Math.Ceiling(minFraction * trainingTotal)} rows) required", ruleLocation, properties));
        for (var c = 0; c < training.Length; c++)
        {
            if (training[c] == 0 || golden[c] >= minFraction * training[c]) continue;
            Findings.Add(Finding.Failed(ruleId, $"coverage/class-{c}",
                $"class {c}: the golden set has {golden[c]} rows for {training[c]} training rows ({(double)golden[c] / training[c]:P1}; at least {minFraction:P0} required)",
                ruleLocation, new Dictionary<string, object> { ["class"] = c, ["goldenRows"] = golden[c], ["trainingRows"] = training[c] }));
        }
    }

    public void Duplicates(int conflicting, int goldenConflicts, int allowed)
    {
        var properties = new Dictionary<string, object> { ["conflictingDuplicateRows"] = conflicting, ["goldenConflictRows"] = goldenConflicts, ["maxConflictingDuplicates"] = allowed };
        var total = conflicting + goldenConflicts;
        Findings.Add(total <= allowed
            ? Finding.Passed(ruleId, "duplicates", $"{conflicting} training rows in duplicate groups with conflicting labels, {goldenConflicts} duplicating a golden row with another label (at most {allowed} allowed)", ruleLocation, properties)
            : Finding.Failed(ruleId, "duplicates", $"{conflicting} training rows are (near) duplicates with conflicting labels and {goldenConflicts} duplicate a golden row with another label; at most {allowed} allowed", ruleLocation, properties));
    }

    public void Labels(int flagged, int rows, double goldenFraction, double maxExcess, int k)
    {
        var fraction = (double)flagged / rows;
        var excess = fraction - goldenFraction;
        var properties = new Dictionary<string, object>
        {
            ["flaggedRows"] = flagged, ["trainingRows"] = rows, ["flaggedFraction"] = Round(fraction),
            ["goldenFlaggedFraction"] = Round(goldenFraction), ["excessFlaggedFraction"] = Round(excess), ["maxExcessFlaggedFraction"] = maxExcess, ["k"] = k,
        };
        var text = $"{flagged} of {rows} training rows ({fraction:P2}) have labels their {k} nearest golden neighbours contradict; on the golden set itself the method flags {goldenFraction:P2}, an excess of {excess:P2}";
        Findings.Add(excess <= maxExcess
            ? Finding.Passed(ruleId, "label-consistency", $"{text} (at most {maxExcess:P1} allowed)", ruleLocation, properties)
            : Finding.Failed(ruleId, "label-consistency", $"{text}, above the allowed {maxExcess:P1}; the rows are in the quarantine file", ruleLocation, properties));
    }

    public void Shift(FeatureShiftResult ks, FeatureShiftResult psi, (double Statistic, int DegreesOfFreedom, double PValue) prior, PoisoningSettings settings)
    {
        var featureProperties = new Dictionary<string, object>
        {
            ["ksDistance"] = Round(ks.Value), ["ksFeature"] = ks.Feature, ["ksPValue"] = Round(ks.PValue ?? 1), ["maxKsStatistic"] = settings.MaxKsStatistic,
            ["psi"] = Round(psi.Value), ["psiFeature"] = psi.Feature, ["maxPsi"] = settings.MaxPsi,
        };
        var text = $"largest two-sample KS distance D = {ks.Value:0.###} (feature {ks.Feature}, p-value {ks.PValue:0.###e+0}); largest population stability index {psi.Value:0.###} (feature {psi.Feature})";
        Findings.Add(ks.Value <= settings.MaxKsStatistic && psi.Value <= settings.MaxPsi
            ? Finding.Passed(ruleId, "shift/features", $"{text}; limits D <= {settings.MaxKsStatistic}, PSI <= {settings.MaxPsi}", ruleLocation, featureProperties)
            : Finding.Failed(ruleId, "shift/features", $"training and golden features differ: {text}; limits D <= {settings.MaxKsStatistic}, PSI <= {settings.MaxPsi}", ruleLocation, featureProperties));

        var priorProperties = new Dictionary<string, object>
        {
            ["chiSquare"] = Round(prior.Statistic), ["degreesOfFreedom"] = prior.DegreesOfFreedom, ["pValue"] = Round(prior.PValue), ["minPriorShiftPValue"] = settings.MinPriorShiftPValue,
        };
        var priorText = $"class priors: chi-square {prior.Statistic:0.##} with {prior.DegreesOfFreedom} degrees of freedom, p-value {prior.PValue:0.###e+0}";
        Findings.Add(prior.PValue >= settings.MinPriorShiftPValue
            ? Finding.Passed(ruleId, "shift/class-prior", $"{priorText} (at least {settings.MinPriorShiftPValue} required)", ruleLocation, priorProperties)
            : Finding.Failed(ruleId, "shift/class-prior", $"the training class priors differ from the golden set's: {priorText}, below {settings.MinPriorShiftPValue}", ruleLocation, priorProperties));
    }

    public void Model((ClassScores Candidate, ClassScores? Baseline) scores, PoisoningSettings settings)
    {
        var (candidate, baseline) = scores;
        if (settings.MinGoldenAccuracy is { } minimum)
        {
            var properties = new Dictionary<string, object> { ["goldenAccuracy"] = Round(candidate.Accuracy), ["minGoldenAccuracy"] = minimum };
            var text = $"the model's accuracy on the golden set is {candidate.Accuracy:P1} (at least {minimum:P1} required)";
            Findings.Add(candidate.Accuracy >= minimum
                ? Finding.Passed(ruleId, "model/golden-accuracy", text, ruleLocation, properties)
                : Finding.Failed(ruleId, "model/golden-accuracy", text, ruleLocation, properties));
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
            ? Finding.Passed(ruleId, "model/recall-drop", $"no class's recall on the golden set falls more than {maxDrop:P1} below the baseline model's (largest drop {worst.Drop:P1}, class {worst.Class})", ruleLocation, worstProperties)
            : Finding.Failed(ruleId, "model/recall-drop", $"recall on the golden set fell below the baseline model's by more than {maxDrop:P1} for class(es) {string.Join(", ", failing.Select(f => $"{f.Class} ({baseline.Recall(f.Class):P1} -> {candidate.Recall(f.Class):P1})"))}: a sign of targeted poisoning", ruleLocation, worstProperties));
    }

    private static double Round(double value) => double.IsFinite(value) ? Math.Round(value, 6) : value;
}
