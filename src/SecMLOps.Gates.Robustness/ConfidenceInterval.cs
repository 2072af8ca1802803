namespace SecMLOps.Gates.Robustness;

public static class ConfidenceInterval
{
    /// <summary>The Wilson score interval at 95 % for a binomial proportion p observed on n samples.</summary>
    public static (double Low, double High) Wilson95(double p, long n)
    {
        const double z = 1.959963984540054;
        if (n == 0) return (0, 1);
        var denominator = 1 + z * z / n;
        var center = (p + z * z / (2 * n)) / denominator;
        var half = z * Math.Sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / denominator;
        return (Math.Max(0, center - half), Math.Min(1, center + half));
    }
}
