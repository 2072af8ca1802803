using Newtonsoft.Json.Linq;

namespace SecMLOps.Gates.Gates.StrideCoverage;

/// <summary>A pair is serious when its likelihood or its impact reaches the level (default: likelihood H or impact severe).</summary>
public sealed record RiskLevel(char Likelihood, Impact Impact)
{
    private const string LikelihoodOrder = "NLMH";

    public static RiskLevel FromSettings(JToken? settings) => new(
        ((string?)settings?["likelihood"] ?? "H")[0],
        (string?)settings?["impact"] switch { "low" => Impact.Low, "medium" => Impact.Medium, _ => Impact.Severe });

    public bool IsSerious(Assessment assessment) =>
        LikelihoodOrder.IndexOf(assessment.Likelihood) >= LikelihoodOrder.IndexOf(Likelihood) || assessment.Impact >= Impact;

    public override string ToString() => $"likelihood {Likelihood} or impact {Impact.ToString().ToLowerInvariant()}";
}
