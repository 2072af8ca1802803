using MathNet.Numerics.Distributions;

namespace SecMLOps.Gates.Poisoning;

/// <summary>The feature with the largest shift, by one measure.</summary>
internal sealed record FeatureShiftResult(int Feature, double Value, double? PValue);

/// <summary>
/// Per-feature distribution shift between training and golden, from streamed 256-bin histograms
/// over the golden range of each feature (exact for 8-bit data): the two-sample Kolmogorov-Smirnov
/// distance D with its asymptotic p-value, and the population stability index over 10 bins.
/// </summary>
internal sealed class FeatureShift
{
    private const int Bins = 256;
    private const int PsiBins = 10;
    private readonly float[] _low;
    private readonly float[] _high;
    private readonly long[] _golden;
    private readonly long[] _training;
    private long _goldenCount;
    private long _trainingCount;

    public FeatureShift(float[] low, float[] high)
    {
        (_low, _high) = (low, high);
        _golden = new long[low.Length * Bins];
        _training = new long[low.Length * Bins];
    }

    private int Dimension => _low.Length;

    public void AddGolden(float[] rows, int count) => Add(_golden, rows, count, ref _goldenCount);

    public void AddTraining(float[] rows, int count) => Add(_training, rows, count, ref _trainingCount);

    private void Add(long[] histogram, float[] rows, int count, ref long total)
    {
        for (var i = 0; i < count; i++)
            for (var j = 0; j < Dimension; j++)
                histogram[j * Bins + Bin(j, rows[i * Dimension + j])]++;
        total += count;
    }

    private int Bin(int feature, float value)
    {
        var range = _high[feature] - _low[feature];
        if (range <= 0) return 0;
        return Math.Clamp((int)MathF.Round((value - _low[feature]) / range * (Bins - 1)), 0, Bins - 1);
    }

    public FeatureShiftResult LargestKs()
    {
        var best = new FeatureShiftResult(0, 0, 1);
        for (var j = 0; j < Dimension; j++)
        {
            double g = 0, t = 0, d = 0;
            for (var b = 0; b < Bins; b++)
            {
                g += _golden[j * Bins + b];
                t += _training[j * Bins + b];
                d = Math.Max(d, Math.Abs(g / _goldenCount - t / _trainingCount));
            }
            if (d > best.Value) best = new FeatureShiftResult(j, d, KolmogorovPValue(d));
        }
        return best;
    }

    public FeatureShiftResult LargestPsi()
    {
        const double floor = 1e-4;
        var best = new FeatureShiftResult(0, 0, null);
        for (var j = 0; j < Dimension; j++)
        {
            double psi = 0;
            for (var group = 0; group < PsiBins; group++)
            {
                double g = 0, t = 0;
                for (var b = group * Bins / PsiBins; b < (group + 1) * Bins / PsiBins; b++)
                {
                    g += _golden[j * Bins + b];
                    t += _training[j * Bins + b];
                }
                var (pg, pt) = (Math.Max(g / _goldenCount, floor), Math.Max(t / _trainingCount, floor));
                psi += (pt - pg) * Math.Log(pt / pg);
            }
            if (psi > best.Value) best = new FeatureShiftResult(j, psi, null);
        }
        return best;
    }

    /// <summary>Asymptotic two-sample p-value: Q_KS((sqrt(n) + 0.12 + 0.11/sqrt(n)) D), n the effective sample size.</summary>
    private double KolmogorovPValue(double d)
    {
        var n = (double)_goldenCount * _trainingCount / (_goldenCount + _trainingCount);
        var lambda = (Math.Sqrt(n) + 0.12 + 0.11 / Math.Sqrt(n)) * d;
        if (lambda < 0.2) return 1;
        double sum = 0;
        for (var k = 1; k <= 100; k++)
            sum += (k % 2 == 1 ? 2 : -2) * Math.Exp(-2.0 * k * k * lambda * lambda);
        return Math.Clamp(sum, 0, 1);
    }

    /// <summary>
    /// Chi-square test of homogeneity on the 2 x classes table of training and golden counts: both
    /// are samples, so neither side's proportions are taken as exact.
    /// </summary>
    public static (double Statistic, int DegreesOfFreedom, double PValue) PriorShift(long[] training, long[] golden)
    {
        var (trainingTotal, goldenTotal) = ((double)training.Sum(), (double)golden.Sum());
        var total = trainingTotal + goldenTotal;
        double statistic = 0;
        var classes = 0;
        for (var c = 0; c < training.Length; c++)
        {
            var pooled = training[c] + golden[c];
            if (pooled == 0) continue;
            classes++;
            var (expectedTraining, expectedGolden) = (trainingTotal * pooled / total, goldenTotal * pooled / total);
            statistic += Math.Pow(training[c] - expectedTraining, 2) / expectedTraining + Math.Pow(golden[c] - expectedGolden, 2) / expectedGolden;
        }
        var dof = Math.Max(classes - 1, 1);
        return (statistic, dof, 1 - ChiSquared.CDF(dof, statistic));
    }
}
