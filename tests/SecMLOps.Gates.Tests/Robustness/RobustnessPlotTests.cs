using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Robustness.Attacks;
using SecMLOps.Gates.Robustness.Gate;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>The plot a reviewer opens: every curve starts unattacked at eps = 0, and the axis shows the strengths the rule ran.</summary>
public sealed class RobustnessPlotTests
{
    private static AttackResult Result(string attack, double eps, int broken, int attacked)
    {
        var definition = AttackCatalogue.BuiltIn.Find(attack)!;
        var planned = new PlannedAttack(definition, definition.Options([], eps, definition.Overshoots([])[0], AttackLoss.CrossEntropy),
            PlannedAttack.SubjectOf(attack, eps, null), "policy", new SourceLocation("policy.yaml", 1, 1));
        return new AttackResult(planned, [.. Enumerable.Range(0, 10).Select(i => i < broken)], attacked, [], [], 1);
    }

    [Fact]
    public void One_strength_still_draws_each_curve_from_the_clean_accuracy_at_eps_zero()
    {
        var strength = new StrengthResult(0.03, [.. Enumerable.Range(0, 10).Select(i => i >= 6)], 0, [Result("fgsm", 0.03, 3, 9), Result("deepfool", 0.03, 4, 9)]);
        var plot = RobustnessPlot.Draw("ROB-1", [strength], samples: 10, eachAttack: true, minRatioOfBaseline: 0.8, cleanAccuracy: 0.9, baseline: 0.9);
        var curves = plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().ToList();
        Assert.Equal(3, curves.Count);
        foreach (var curve in curves)
        {
            var points = curve.Data.GetScatterPoints();
            Assert.Equal((0.0, 0.9), (points[0].X, points[0].Y));
            Assert.Equal(0.03, points[^1].X);
        }
        var limits = plot.Axes.GetLimits();
        Assert.Equal(0, limits.Left);
        Assert.True(limits.Right is > 0.03 and < 0.04, $"x axis ends at {limits.Right}");
    }
}
