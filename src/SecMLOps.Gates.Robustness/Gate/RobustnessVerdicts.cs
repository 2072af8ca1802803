using SecMLOps.Gates.Findings;
using static System.FormattableString;

namespace SecMLOps.Gates.Robustness.Gate;

/// <summary>Turns the ensemble's per-sample results into findings: the gating worst case per strength, and each attack's share for information.</summary>
internal sealed class RobustnessVerdicts(string ruleId, RobustnessSettings settings, double clean, double baseline, int samples, IReadOnlyList<SourceLocation> at)
{
    private double Threshold => settings.MinRatioOfBaseline * baseline;

    /// <summary>Whether the Wilson lower bound decides: as the policy says, or by default when fewer than 1000 samples are evaluated.</summary>
    private bool OnLowerBound => settings.DecideOn == DecisionRule.LowerBound || (settings.DecideOn == DecisionRule.Auto && samples < 1000);

    public Finding WorstCase(StrengthResult strength)
    {
        var robust = (double)strength.RobustCount / samples;
        var (lower, upper) = ConfidenceInterval.Wilson95(robust, samples);
        var decisive = OnLowerBound ? lower : robust;
        var ratio = baseline > 0 ? robust / baseline : 0;
        var shares = strength.Attacks.Where(a => a.BrokenCount > 0).Select(a => Invariant($"{a.Attack.Subject} {a.BrokenCount}"));
        var text = Invariant($"at eps={strength.Eps}, worst case over {strength.Attacks.Count} attack(s): robust accuracy {robust:P1} (95 % CI {lower:P1} to {upper:P1}, {samples} samples), clean {clean:P1}, baseline {baseline:P1}, ratio {ratio:0.###}; ") +
            Invariant($"broken: {strength.BrokenBelow} at a smaller eps{(shares.Any() ? ", " + string.Join(", ", shares) : "")}; ") +
            Invariant($"decided on the {(OnLowerBound ? "95 % lower bound" : "point estimate")} {decisive:P1} against {settings.MinRatioOfBaseline} x baseline = {Threshold:P1}");
        var properties = new Dictionary<string, object>
        {
            ["eps"] = strength.Eps, ["samples"] = samples, ["cleanAccuracy"] = Round(clean), ["baselineAccuracy"] = Round(baseline),
            ["robustAccuracy"] = Round(robust), ["ratio"] = Round(ratio), ["minRatioOfBaseline"] = settings.MinRatioOfBaseline,
            ["robustAccuracyCi95Low"] = Round(lower), ["robustAccuracyCi95High"] = Round(upper), ["decidedOn"] = OnLowerBound ? "lower-bound" : "point",
            ["brokenAtSmallerEps"] = strength.BrokenBelow,
            ["brokenBy"] = strength.Attacks.ToDictionary(a => a.Attack.Subject, a => (object)a.BrokenCount),
        };
        return new Finding(ruleId, decisive >= Threshold ? Outcome.Passed : Outcome.Failed, Invariant($"worst-case/eps={strength.Eps}"), text, at, properties);
    }

    /// <summary>One attack at one strength: in the ensemble, how many of the samples it was given it broke; alone, its own robust accuracy.</summary>
    public Finding Attack(AttackResult result)
    {
        var planned = result.Attack;
        var properties = new Dictionary<string, object>
        {
            ["attack"] = planned.Name, ["eps"] = planned.Eps, ["origin"] = planned.Origin, ["attackedSamples"] = result.Attacked, ["brokenSamples"] = result.BrokenCount,
            ["seconds"] = Math.Round(result.Seconds, 1),
        };
        if (planned.Definition.TakesOvershoot) properties["xi"] = planned.Options.Xi;
        if (result.MedianLinf is { } linf) properties["medianPerturbationLinf"] = Round(linf);
        if (result.MedianL2 is { } l2) properties["medianPerturbationL2"] = Round(l2);
        string text;
        if (result.ProbedFrom is { } survivors)
        {
            properties["probedFrom"] = survivors;
            text = Invariant($"{planned.Subject} broke {result.BrokenCount} of the {result.Attacked} samples it probed, a stratified sample of the {survivors} every white-box attack left robust ({Origin(planned)}; as a masking probe it runs on a sample sized for the black-box gap check)");
        }
        else if (settings.Ensemble)
        {
            text = Invariant($"{planned.Subject} broke {result.BrokenCount} of the {result.Attacked} samples still robust when it ran ({Origin(planned)})");
        }
        else
        {
            // Alone, the attack ran on every correctly classified sample.
            var robust = clean - (double)result.BrokenCount / samples;
            properties["robustAccuracy"] = Round(robust);
            text = Invariant($"{planned.Subject} alone leaves robust accuracy {robust:P1} ({result.BrokenCount} of {result.Attacked} correctly classified samples broken; {Origin(planned)})");
        }
        if (result.MedianLinf is { } median)
            text += Invariant($"; median minimal perturbation {median:0.####} L-inf, {result.MedianL2:0.####} L2 (in units of the range)");
        return new Finding(ruleId, Outcome.Informational, planned.Subject, text, at, properties);
    }

    private static string Origin(PlannedAttack planned) => planned.Origin switch
    {
        "policy" => "listed in the policy",
        PlannedAttack.GateOrigin => "added by the gate: the largest strength gets a black-box attack",
        var suite => $"from the suite {suite}",
    };

    private static double Round(double value) => Math.Round(value, 6);
}
