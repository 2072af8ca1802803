namespace SecMLOps.Gates.Robustness.Detection;

/// <summary>
/// How far a detector's miss-rate margin could move on another draw of images like these: the paired
/// bootstrap over images (the clean and attacked runs resampled together, so that what the images share
/// cancels), 1,000 resamples drawn from the rule's seed. The margin is (100 - the worst attacked laMR)
/// - ratio x (100 - the clean laMR), in points: the rule passes at 0. A resample without a counted
/// pedestrian shows nothing and counts as failing.
/// </summary>
public static class MissRateBootstrap
{
    public const int Resamples = 1000;

    /// <summary>The 95 % percentile interval of the margin.</summary>
    public static (double Low, double High) MarginInterval(IReadOnlyList<ImageOutcome> clean, IReadOnlyList<IReadOnlyList<ImageOutcome>> attacked, MissRateSetting setting, double ratio, int seed)
    {
        var random = new Random(seed);
        var count = clean.Count;
        var margins = new double[Resamples];
        var drawn = new int[count];
        for (var b = 0; b < Resamples; b++)
        {
            for (var i = 0; i < count; i++)
                drawn[i] = random.Next(count);
            var cleanRate = MissRate.FromImages(drawn.Select(i => clean[i]).ToList(), setting);
            margins[b] = cleanRate is null ? double.NegativeInfinity
                : attacked.Min(run => 100 - 100 * MissRate.FromImages(drawn.Select(i => run[i]).ToList(), setting)!.LogAverage) - ratio * (100 - 100 * cleanRate.LogAverage);
        }
        Array.Sort(margins);
        return (margins[(int)(0.025 * Resamples)], margins[(int)(0.975 * Resamples) - 1]);
    }
}
