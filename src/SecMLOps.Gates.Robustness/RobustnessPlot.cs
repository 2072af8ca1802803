namespace SecMLOps.Gates.Robustness;

/// <summary>The robustness curves as a PNG: robust accuracy against strength, a line an attack, with the pass line.</summary>
internal static class RobustnessPlot
{
    public static void Save(string path, string title, IReadOnlyList<Measurement> measured, double baseline, double minRatio)
    {
        var plot = new ScottPlot.Plot();
        foreach (var curve in measured.GroupBy(m => m.Xi is { } xi ? $"{m.Attack} (xi={xi})" : m.Attack))
        {
            var points = curve.OrderBy(m => m.Eps).ToList();
            var line = plot.Add.Scatter(points.Select(m => m.Eps).ToArray(), points.Select(m => m.RobustAccuracy).ToArray());
            line.LegendText = curve.Key;
        }
        var threshold = plot.Add.HorizontalLine(baseline * minRatio);
        threshold.LinePattern = ScottPlot.LinePattern.Dashed;
        threshold.LegendText = $"{minRatio:0.##} x baseline";
        plot.Title(title);
        plot.XLabel("eps (fraction of the input range)");
        plot.YLabel("robust accuracy");
        plot.Axes.SetLimitsY(0, 1);
        plot.ShowLegend();
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = $"{full}.{Environment.ProcessId}.tmp.png";
        plot.SavePng(temporary, 640, 420);
        File.Move(temporary, full, overwrite: true);
    }
}
