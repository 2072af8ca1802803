using System.Text;
using static System.FormattableString;

namespace SecMLOps.Gates.Robustness.Gate;

/// <summary>The robustness gate's own section of the Markdown report: the worst case per strength and each attack's share.</summary>
internal static class RobustnessReport
{
    public static string ToMarkdown(string ruleId, RobustnessSettings settings, IReadOnlyList<StrengthResult> strengths, double clean, double baseline, int samples)
    {
        var text = new StringBuilder();
        text.AppendLine($"### Robustness: {ruleId}");
        text.AppendLine();
        text.AppendLine(Invariant($"{samples} samples, clean accuracy {clean:P1}, baseline {baseline:P1}; a strength passes when its worst-case robust accuracy reaches {settings.MinRatioOfBaseline} x baseline = {settings.MinRatioOfBaseline * baseline:P1}. ") +
            (settings.Ensemble ? "Attacks ran as an ensemble: each on the samples still robust." : "Each attack ran on every sample."));
        text.AppendLine();
        text.AppendLine("| eps | worst-case robust accuracy | broken at a smaller eps | broken by each attack |");
        text.AppendLine("| --- | --- | --- | --- |");
        foreach (var strength in strengths)
        {
            var shares = string.Join(", ", strength.Attacks.Select(a => Invariant($"{a.Attack.Subject}: {a.BrokenCount}/{a.Attacked}") +
                (a.ProbedFrom is { } survivors ? Invariant($" (probe of {survivors})") : "") + Invariant($" in {a.Seconds:0.0} s")));
            text.AppendLine(Invariant($"| {strength.Eps} | {(double)strength.RobustCount / samples:P1} | {strength.BrokenBelow} | {shares} |"));
        }
        return text.ToString();
    }
}
