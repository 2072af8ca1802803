using System.Globalization;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Robustness;

/// <summary>
/// Signs that white-box numbers cannot be trusted: input gradients vanish for many samples
/// (saturated softmax, quantised inputs), or the black-box attack breaks clearly more samples than
/// the white-box attacks at the same strength.
/// </summary>
internal static class GradientMasking
{
    public static IEnumerable<Finding> Check(string ruleId, double zeroGradientFraction, IReadOnlyList<Measurement> measured, RobustnessSettings settings, SourceLocation at)
    {
        var properties = new Dictionary<string, object>
        {
            ["zeroGradientFraction"] = Math.Round(zeroGradientFraction, 6), ["maxZeroGradientFraction"] = settings.MaxZeroGradientFraction,
        };
        yield return zeroGradientFraction > settings.MaxZeroGradientFraction
            ? Finding.Failed(ruleId, "gradient-masking/zero-gradients", string.Create(CultureInfo.InvariantCulture,
                $"gradient masking suspected: {zeroGradientFraction:P1} of correctly classified samples have an all-zero input gradient (at most {settings.MaxZeroGradientFraction:P0} allowed); white-box results cannot be trusted"), at, properties)
            : Finding.Passed(ruleId, "gradient-masking/zero-gradients", string.Create(CultureInfo.InvariantCulture,
                $"{zeroGradientFraction:P1} of correctly classified samples have an all-zero input gradient (at most {settings.MaxZeroGradientFraction:P0} allowed)"), at, properties);

        foreach (var blackBox in measured.Where(m => !m.WhiteBox))
        {
            var whiteBox = measured.Where(m => m.WhiteBox && Math.Abs(m.Eps - blackBox.Eps) < 1e-12).ToList();
            if (whiteBox.Count == 0) continue;
            var best = whiteBox.MinBy(m => m.RobustAccuracy)!;
            var gap = best.RobustAccuracy - blackBox.RobustAccuracy;
            var subject = string.Create(CultureInfo.InvariantCulture, $"gradient-masking/black-box-gap/eps={blackBox.Eps}");
            var gapProperties = new Dictionary<string, object>
            {
                ["eps"] = blackBox.Eps, ["blackBoxRobustAccuracy"] = Math.Round(blackBox.RobustAccuracy, 6),
                ["whiteBoxRobustAccuracy"] = Math.Round(best.RobustAccuracy, 6), ["gap"] = Math.Round(gap, 6), ["maxBlackBoxGap"] = settings.MaxBlackBoxGap,
            };
            var text = string.Create(CultureInfo.InvariantCulture,
                $"at eps={blackBox.Eps} the black-box {blackBox.Attack} attack leaves {blackBox.RobustAccuracy:P1} robust accuracy, the strongest white-box attack ({best.Attack}) {best.RobustAccuracy:P1}");
            yield return gap > settings.MaxBlackBoxGap
                ? Finding.Failed(ruleId, subject, $"gradient masking suspected: {text}; white-box results cannot be trusted", at, gapProperties)
                : Finding.Passed(ruleId, subject, text, at, gapProperties);
        }
    }
}
