using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Robustness.Gate;
using static System.FormattableString;

namespace SecMLOps.Gates.Robustness.Detection;

/// <summary>
/// Signs that the white-box numbers on a detector cannot be trusted, as the robustness gate checks them on
/// classifiers (the same finding subjects and accept words): operators that block gradients, zero
/// gradients, randomness, a detector that finds nothing clean, and one PGD cannot blind at a very large
/// strength. A problem fails the rule unless gradientMasking.accept lists its kind.
/// </summary>
internal sealed class DetectionMasking(string ruleId, DetectionRobustnessSettings settings, IReadOnlyList<SourceLocation> at)
{
    public List<Finding> Findings { get; } = [];

    public void GradientBlocking(IReadOnlyList<string> operators) => Add(MaskingChecks.Operators, "gradient-masking/operators", operators.Count > 0,
        operators.Count > 0
            ? $"the input reaches operators that give no useful gradient: {string.Join(", ", operators.Take(8))}{(operators.Count > 8 ? $" and {operators.Count - 8} more" : "")}; white-box attacks see a flat or misleading loss"
            : "no operator on the input path blocks gradients (rounding, signs, comparisons, integer casts, quantisation)",
        new Dictionary<string, object> { ["operators"] = operators.ToArray() });

    public void Randomised(bool randomised) => Add(MaskingChecks.Randomness, "gradient-masking/randomness", randomised,
        randomised
            ? "three passes over the same images gave different outputs: the detector is randomised, and its gradients (one pass each) cannot be trusted"
            : "three passes over the same images gave the same outputs: the detector is deterministic",
        new Dictionary<string, object> { ["randomised"] = randomised });

    public void Zero((int Zero, int Counted) images)
    {
        var fraction = images.Counted == 0 ? 0 : (double)images.Zero / images.Counted;
        Add(MaskingChecks.ZeroGradients, "gradient-masking/zero-gradients", fraction > settings.Masking.MaxZeroGradientFraction,
            Invariant($"{images.Zero} of {images.Counted} images with pedestrians ({fraction:P1}) have an all-zero input gradient of the score loss (at most {settings.Masking.MaxZeroGradientFraction:P1} allowed)") +
            (fraction > settings.Masking.MaxZeroGradientFraction ? ": gradient masking suspected, white-box results cannot be trusted" : ""),
            new Dictionary<string, object>
            {
                ["zeroGradientImages"] = images.Zero, ["images"] = images.Counted, ["zeroGradientFraction"] = Math.Round(fraction, 6),
                ["maxZeroGradientFraction"] = settings.Masking.MaxZeroGradientFraction,
            });
    }

    /// <summary>
    /// A detector that misses every pedestrian clean keeps its miss rate under any attack: the ratio proves
    /// nothing. And at a strength where any image can be changed beyond recognition, PGD must blind it.
    /// </summary>
    public void Sanity(DetectionRun clean, DetectionRun large, MissRateSetting setting)
    {
        var index = MissRateSetting.Standard.ToList().IndexOf(setting);
        var cleanRate = clean.MissRates[index]!.LogAverage;
        Add(MaskingChecks.Sanity, "sanity/finds-pedestrians", cleanRate >= 1,
            Invariant($"clean, the {setting.Name} log-average miss rate is {100 * cleanRate:0.00} %") +
                (cleanRate >= 1 ? ": the detector finds no pedestrian, so its robustness ratio means nothing" : ""),
            new Dictionary<string, object> { ["setting"] = setting.Name, ["cleanLaMR"] = Math.Round(100 * cleanRate, 4) });
        if (large.MissRates[index] is not { } largeResult)
        {
            Add(MaskingChecks.Sanity, "sanity/large-eps", true,
                Invariant($"the {large.Eps} check's images hold no pedestrian the {setting.Name} setting counts, so it shows nothing; raise sanity.images"),
                new Dictionary<string, object> { ["eps"] = large.Eps, ["setting"] = setting.Name });
            return;
        }
        var largeRate = largeResult.LogAverage;
        Add(MaskingChecks.Sanity, "sanity/large-eps", largeRate < settings.Sanity.MinLargeEpsMissRate,
            Invariant($"at eps={large.Eps}, where any image can be changed beyond recognition, PGD raised the {setting.Name} log-average miss rate to {100 * largeRate:0.00} % (at least {100 * settings.Sanity.MinLargeEpsMissRate:0.##} % required)") +
            (largeRate < settings.Sanity.MinLargeEpsMissRate ? ": the attack cannot blind the detector where it must be able to, so gradients are masked or the attack is broken" : ""),
            new Dictionary<string, object> { ["eps"] = large.Eps, ["setting"] = setting.Name, ["laMR"] = Math.Round(100 * largeRate, 4), ["minLargeEpsMissRate"] = settings.Sanity.MinLargeEpsMissRate });
    }

    private void Add(string kind, string subject, bool problem, string message, IReadOnlyDictionary<string, object> properties)
    {
        var accepted = problem && settings.Masking.Accepted.Contains(kind);
        Findings.Add(new Finding(ruleId, problem && !accepted ? Outcome.Failed : Outcome.Passed, subject,
            accepted ? $"{message} (accepted by the policy: gradientMasking.accept lists {kind})" : message, at, properties));
    }
}
