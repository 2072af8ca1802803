namespace SecMLOps.Gates.StrideCoverage;

/// <summary>
/// A pair is serious when its likelihood or its impact reaches the level (default: likelihood H or
/// impact severe). An impact nobody rated could be severe, so it counts as serious: it is never read as low.
/// </summary>
public sealed record RiskLevel(char Likelihood, Impact Impact)
{
    private const string LikelihoodOrder = "NLMH";

    public bool IsSerious(Assessment assessment) =>
        LikelihoodOrder.IndexOf(assessment.Likelihood) >= LikelihoodOrder.IndexOf(Likelihood)
        || assessment.Impact == Impact.NotRated
        || assessment.Impact >= Impact;

    public override string ToString() => $"likelihood {Likelihood} or impact {Impact.Word()}";
}
