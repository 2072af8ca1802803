using System.Globalization;

namespace SecMLOps.Gates.Robustness;

/// <summary>Robust accuracy of one attack at one strength.</summary>
/// <param name="MedianPerturbation">DeepFool: the median L-inf size of the perturbations that flipped a label, as a fraction of the range.</param>
/// <param name="MedianPerturbationL2">DeepFool: the same in L2, in units of the range.</param>
public sealed record Measurement(string Attack, double Eps, double? Xi, bool WhiteBox, double RobustAccuracy, long Samples, double? MedianPerturbation, double? MedianPerturbationL2 = null)
{
    public string Subject => SubjectOf(Attack, Eps, Xi);

    /// <summary>What identifies a finding: the attack and its strength.</summary>
    public static string SubjectOf(string attack, double eps, double? xi) => xi is { } overshoot
        ? string.Create(CultureInfo.InvariantCulture, $"{attack}/xi={overshoot}/eps={eps}")
        : string.Create(CultureInfo.InvariantCulture, $"{attack}/eps={eps}");

    public string Label => Xi is { } xi
        ? string.Create(CultureInfo.InvariantCulture, $"{Attack} (overshoot xi={xi}, budget eps={Eps})")
        : string.Create(CultureInfo.InvariantCulture, $"{Attack} (eps={Eps})");
}
