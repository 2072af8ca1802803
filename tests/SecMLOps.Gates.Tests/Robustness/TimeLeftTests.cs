using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Robustness.Attacks;
using SecMLOps.Gates.Robustness.Gate;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>The rule's time left, as progress reports it after each attack.</summary>
public sealed class TimeLeftTests
{
    private static PlannedAttack Planned(string attack, double eps, string origin = "policy")
    {
        var definition = AttackCatalogue.BuiltIn.Find(attack)!;
        return new PlannedAttack(definition, definition.Options([], eps, definition.Overshoots([])[0], AttackLoss.CrossEntropy),
            PlannedAttack.SubjectOf(attack, eps, null), origin, new SourceLocation("policy.yaml", 1, 1));
    }

    [Fact]
    public void Attacks_timed_before_are_estimated_from_their_time_per_sample_and_the_others_are_counted_apart()
    {
        var pgd = AttackCatalogue.BuiltIn.Find("pgd")!;
        var probeAttack = AttackCatalogue.BuiltIn.MaskingProbeAttack;
        var timing = new Dictionary<AttackDefinition, (double Seconds, int Samples)> { [pgd] = (10, 100), [probeAttack] = (30, 100) };
        // 1,000 samples at maxBlackBoxGap 0.02: the probe attacks ceil(6 x 400 / 20) = 120 of 400 candidates.
        var probe = new MaskingProbe(new long[1000], 0.02, 1);
        var remaining = new[] { Planned("pgd", 0.03), Planned("apgd-ce", 0.03), Planned(probeAttack.Name, 0.03, PlannedAttack.GateOrigin) };
        Assert.Equal("rule time so far 42 s; about 76 s left for 2 attack(s) timed before, 1 not timed yet",
            EnsembleRunner.TimeLeft(remaining, timing, candidates: 400, probe, elapsed: 42));
        Assert.Equal("rule time so far 42 s", EnsembleRunner.TimeLeft([], timing, 400, probe, 42));
    }
}
