using System.Globalization;

namespace SecMLOps.Gates.Robustness;

/// <summary>Robust accuracy of one attack at one strength.</summary>
public sealed record Measurement(string Attack, double Eps, double? Xi, bool WhiteBox, double RobustAccuracy, long Samples, double? MedianPerturbation)
{
    public string Subject => Xi is { } xi
        ? string.Create(CultureInfo.InvariantCulture, $"{Attack}/xi={xi}/eps={Eps}")
        : string.Create(CultureInfo.InvariantCulture, $"{Attack}/eps={Eps}");

    public string Label => Xi is { } xi
        ? string.Create(CultureInfo.InvariantCulture, $"{Attack} (overshoot xi={xi}, budget eps={Eps})")
        : string.Create(CultureInfo.InvariantCulture, $"{Attack} (eps={Eps})");
}
