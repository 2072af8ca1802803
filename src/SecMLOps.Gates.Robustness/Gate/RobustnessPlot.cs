
namespace SecMLOps.Gates.Robustness.Gate;

/// <summary>
/// The robustness curves as a PNG: the worst-case robust accuracy against strength, with the pass
/// line; run alone (ensemble: false), each attack's own curve too.
/// </summary>
internal static class RobustnessPlot
{
    public static void Save(string path, string title, IReadOnlyList<StrengthResult> strengths, int samples, RobustnessSettings settings, double baseline)
    {
        var plot = new ScottPlot.Plot();
        var worst = plot.Add.Scatter(strengths.Select(s => s.Eps).ToArray(), strengths.Select(s => (double)s.RobustCount / samples).ToArray());
        worst.LegendText = "worst case";
        worst.LineWidth = 3;
        if (!settings.Ensemble)
        {
            // A masking probe ran on a sample, so it has no curve of its own.
            foreach (var curve in strengths.SelectMany(s => s.Attacks).Where(a => a.ProbedFrom is null).GroupBy(a => a.Attack.Definition.TakesOvershoot ? $"{a.Attack.Name} (xi={a.Attack.Options.Xi})" : a.Attack.Name))
            {
                var points = curve.OrderBy(a => a.Attack.Eps).ToList();
                var line = plot.Add.Scatter(points.Select(a => a.Attack.Eps).ToArray(), points.Select(a => (double)(a.Attacked - a.BrokenCount) / samples).ToArray());
                line.LegendText = curve.Key;
            }
        }
        var threshold = plot.Add.HorizontalLine(baseline * settings.MinRatioOfBaseline);
        threshold.LinePattern = ScottPlot.LinePattern.Dashed;
        threshold.LegendText = $"{settings.MinRatioOfBaseline:0.##} x baseline";
        plot.Title(title);
        plot.XLabel("eps (fraction of the input range)");
        plot.YLabel("robust accuracy");
        plot.Axes.SetLimitsY(0, 1);
        plot.ShowLegend();
        File.WriteAllBytes(path, plot.GetImageBytes(640, 420, ScottPlot.ImageFormat.Png));
    }
}
