using SecMLOps.Gates.Robustness.Gate;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>
/// The gate's black-box masking probe runs on a sample of the survivors: its size, its strata, and
/// the power its documentation claims, measured by drawing it many times.
/// </summary>
public sealed class MaskingProbeTests
{
    private static long[] Labels(int count, int classes = 10, int seed = 1)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (long)random.Next(classes)).ToArray();
    }

    [Theory]
    [InlineData(10_000, 10_000, 0.02, 300)]
    [InlineData(10_000, 5_000, 0.02, 150)]
    [InlineData(1_000, 700, 0.02, 210)]
    [InlineData(1_000, 100, 0.02, 30)]
    [InlineData(60, 40, 0.02, 40)]
    [InlineData(10_000, 10_000, 0.05, 120)]
    [InlineData(10_000, 4_000, 0, 4_000)]
    public void The_probe_expects_six_black_box_only_samples_at_the_threshold(int samples, int survivors, double maxGap, int expected) =>
        Assert.Equal(expected, new MaskingProbe(Labels(samples), maxGap, 0).Size(survivors));

    [Fact]
    public void The_sample_is_drawn_from_the_survivors_label_by_label_and_the_same_seed_draws_the_same_samples()
    {
        var labels = Labels(5_000);
        var survivors = Enumerable.Range(0, 5_000).Where(i => i % 3 != 0).ToList();
        var probe = new MaskingProbe(labels, 0.02, 7);

        var sample = probe.Select(survivors, 0);

        Assert.Equal(probe.Size(survivors.Count), sample.Count);
        Assert.Equal(sample.Distinct().Count(), sample.Count);
        Assert.All(sample, i => Assert.Contains(i, survivors));
        Assert.Equal(sample.Order(), sample);
        foreach (var label in labels.Distinct())
        {
            var share = (double)survivors.Count(i => labels[i] == label) * sample.Count / survivors.Count;
            Assert.InRange(sample.Count(i => labels[i] == label), Math.Floor(share), Math.Ceiling(share));
        }
        Assert.Equal(sample, new MaskingProbe(labels, 0.02, 7).Select(survivors, 0));
        Assert.NotEqual(sample, new MaskingProbe(labels, 0.02, 8).Select(survivors, 0));
        Assert.NotEqual(sample, probe.Select(survivors, 1));
    }

    [Theory]
    [InlineData(10_000, 9_000)]
    [InlineData(10_000, 3_000)]
    [InlineData(2_000, 1_500)]
    public void A_gap_of_twice_the_threshold_is_caught_in_95_percent_of_draws_and_half_the_threshold_rarely(int samples, int survivors)
    {
        const double maxGap = 0.02;
        var labels = Labels(samples);
        var population = Enumerable.Range(0, survivors).ToList();

        double Detected(double gap)
        {
            // The first gap x samples survivors are the ones only a black-box attack breaks.
            var blackBoxOnly = (int)Math.Round(gap * samples);
            var caught = 0;
            const int draws = 1_000;
            for (var seed = 0; seed < draws; seed++)
            {
                var sample = new MaskingProbe(labels, maxGap, seed).Select(population, 0);
                var estimated = (double)sample.Count(i => i < blackBoxOnly) * survivors / sample.Count;
                if (estimated / samples > maxGap) caught++;
            }
            return (double)caught / draws;
        }

        var (power, falseAlarms) = (Detected(2 * maxGap), Detected(maxGap / 2));
        Assert.True(power >= 0.95, $"power at twice the threshold: {power:P1}");
        Assert.True(falseAlarms <= 0.06, $"false alarms at half the threshold: {falseAlarms:P1}");
    }
}
