namespace SecMLOps.Gates.Robustness.Gate;

/// <summary>
/// The robustness curves as a PNG: the worst-case robust accuracy against strength, with the pass
/// line; run alone (ensemble: false), each attack's own curve too. Every curve starts at eps = 0 with
/// the clean accuracy, so one strength still draws a line from where the model stands unattacked.
/// </summary>
internal static class RobustnessPlot
{
    public static void Save(string path, string title, IReadOnlyList<StrengthResult> strengths, int samples, RobustnessSettings settings, double cleanAccuracy, double baseline) =>
        File.WriteAllBytes(path, Draw(title, strengths, samples, eachAttack: !settings.Ensemble, settings.MinRatioOfBaseline, cleanAccuracy, baseline).GetImageBytes(640, 420, ScottPlot.ImageFormat.Png));

    public static ScottPlot.Plot Draw(string title, IReadOnlyList<StrengthResult> strengths, int samples, bool eachAttack, double minRatioOfBaseline, double cleanAccuracy, double baseline)
    {
        var plot = new ScottPlot.Plot();
        var worst = plot.Add.Scatter(strengths.Select(s => s.Eps).Prepend(0).ToArray(), strengths.Select(s => (double)s.RobustCount / samples).Prepend(cleanAccuracy).ToArray());
        worst.LegendText = "worst case";
        worst.LineWidth = 3;
        if (eachAttack)
        {
            // A masking probe ran on a sample, so it has no curve of its own.
            foreach (var curve in strengths.SelectMany(s => s.Attacks).Where(a => a.ProbedFrom is null).GroupBy(a => a.Attack.Definition.TakesOvershoot ? $"{a.Attack.Name} (xi={a.Attack.Options.Xi})" : a.Attack.Name))
            {
                var points = curve.OrderBy(a => a.Attack.Eps).ToList();
                var line = plot.Add.Scatter(points.Select(a => a.Attack.Eps).Prepend(0).ToArray(), points.Select(a => (double)(a.Attacked - a.BrokenCount) / samples).Prepend(cleanAccuracy).ToArray());
                line.LegendText = curve.Key;
            }
        }
        var threshold = plot.Add.HorizontalLine(baseline * minRatioOfBaseline);
        threshold.LinePattern = ScottPlot.LinePattern.Dashed;
        threshold.LegendText = $"{minRatioOfBaseline:0.##} x baseline";
        plot.Title(title);
        plot.XLabel("eps (fraction of the input range)");
        plot.YLabel("robust accuracy");
        plot.Axes.SetLimits(0, strengths.Max(s => s.Eps) * 1.05, 0, 1);
        plot.ShowLegend();
        return plot;
    }
}
