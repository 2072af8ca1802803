using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Robustness.Attacks;

namespace SecMLOps.Gates.Robustness;

/// <summary>One configured attack: its strengths, and where it is declared (for findings).</summary>
public sealed record AttackSpec(string Name, IReadOnlyList<double> Eps, IReadOnlyList<double> Xi, PerturbationNorm Norm, int Steps, double StepSize, bool RandomStart, int MaxIterations, int Queries)
{
    /// <summary>The subjects of the findings this attack produces: one per strength.</summary>
    public IEnumerable<string> Subjects() => Name == "deepfool"
        ? Eps.SelectMany(eps => Xi.Select(xi => Measurement.SubjectOf(Name, eps, xi)))
        : Eps.Select(eps => Measurement.SubjectOf(Name, eps, null));
}

/// <summary>A robustness rule's settings with their documented defaults (schema: robustnessSettings).</summary>
public sealed record RobustnessSettings(
    string Dataset,
    double MinRatioOfBaseline,
    bool BaselineModel,
    IReadOnlyList<AttackSpec> Attacks,
    AttackLoss Loss,
    string Device,
    int BatchSize,
    int? SampleCount,
    int Seed,
    double MaxZeroGradientFraction,
    double MaxBlackBoxGap,
    string? Plot)
{
    public static RobustnessSettings From(JObject settings) => new(
        (string)settings["dataset"]!,
        (double?)settings["minRatioOfBaseline"] ?? 0.8,
        (string?)settings["baseline"] == "baseline-model",
        ((JArray)settings["attacks"]!).Select(a => new AttackSpec(
            (string)a["name"]!,
            a["eps"]?.Values<double>().ToList() ?? [0.03],
            a["xi"]?.Values<double>().ToList() ?? [0.02],
            (string?)a["norm"] == "l2" ? PerturbationNorm.L2 : PerturbationNorm.Linf,
            (int?)a["steps"] ?? 10,
            (double?)a["stepSize"] ?? 0.25,
            (bool?)a["randomStart"] ?? true,
            (int?)a["maxIterations"] ?? 50,
            (int?)a["queries"] ?? 1000)).ToList(),
        (string?)settings["loss"] == "cross-entropy" ? AttackLoss.CrossEntropy : AttackLoss.Margin,
        (string?)settings["device"] ?? "auto",
        (int?)settings["batchSize"] ?? 128,
        (int?)settings["sampleCount"],
        (int?)settings["seed"] ?? 0,
        (double?)settings["gradientMasking"]?["maxZeroGradientFraction"] ?? 0.5,
        (double?)settings["gradientMasking"]?["maxBlackBoxGap"] ?? 0.1,
        (string?)settings["plot"]);
}
