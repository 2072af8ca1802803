using MathNet.Numerics.LinearAlgebra;

namespace SecMLOps.Gates.Poisoning;

/// <summary>An off-diagonal cell of the noise model that stands out: rows labelled <see cref="Given"/> whose true class is <see cref="True"/>.</summary>
/// <param name="Rows">The estimated number of such rows.</param>
/// <param name="StandardErrors">The estimate over its bootstrap standard deviation.</param>
internal sealed record NoisePair(int Given, int True, double Rows, double StandardErrors);

/// <param name="Excess">The pair's rows less the mean of what the other labels got from the same true class.</param>
internal sealed record TargetedPair(NoisePair Pair, double Excess);

/// <summary>
/// How labels were changed, estimated against the golden set. A classifier trained on golden rows
/// alone scores every training row; the golden set's own out-of-sample scores give R[k, j], the mean
/// probability of class j for rows of true class k. With Q[i, j] the summed probabilities of
/// class j over training rows labelled i, Q = J R, so J = Q R^-1 estimates the joint J[i, k] of given
/// label i and true class k. A bootstrap (golden rows resampled within class, training rows within
/// label) gives each cell's spread. The noise model keeps the cells that stand out (more than three
/// standard deviations: pairs, as a targeted relabelling makes) and spreads what remains off the
/// diagonal, when it is significant (two standard deviations), uniformly: random flips, estimated
/// recall-first at one standard deviation above the point estimate.
/// </summary>
internal sealed class NoiseModel
{
    private const int BootstrapSamples = 100;
    private const double PairStandardErrors = 3;
    private const double DiffuseStandardErrors = 2;
    // A pair estimated at less than one row is rounding, not relabelling: with a bootstrap spread of
    // exactly zero it would otherwise stand out by infinitely many standard errors.
    private const double MinPairRows = 1;

    private NoiseModel(double[,] joint, IReadOnlyList<NoisePair> pairs, double diffuseRows)
    {
        Joint = joint;
        Pairs = pairs;
        DiffuseRows = diffuseRows;
        var classes = joint.GetLength(0);
        Transition = new double[classes, classes];
        for (var k = 0; k < classes; k++)
        {
            var column = Enumerable.Range(0, classes).Sum(i => joint[i, k]);
            for (var i = 0; i < classes; i++)
                Transition[i, k] = column > 0 ? joint[i, k] / column : i == k ? 1 : 0;
        }
    }

    /// <summary>J[i, k]: the estimated number of training rows labelled i whose true class is k.</summary>
    public double[,] Joint { get; }

    /// <summary>T[i, k] = P(label i | true class k).</summary>
    public double[,] Transition { get; }

    public IReadOnlyList<NoisePair> Pairs { get; }

    /// <summary>The rows estimated flipped at random (spread over every pair that does not stand out).</summary>
    public double DiffuseRows { get; }

    public double NoisyRows => Enumerable.Range(0, Joint.GetLength(0)).Sum(i => Enumerable.Range(0, Joint.GetLength(0)).Where(k => k != i).Sum(k => Joint[i, k]));

    /// <param name="training">Training rows' probabilities from one golden fold model each (rows x classes).</param>
    /// <param name="golden">Golden rows' out-of-sample probabilities.</param>
    public static NoiseModel Estimate(double[] training, int[] given, double[] golden, int[] goldenLabels, int classes, int seed)
    {
        var byTrue = Enumerable.Range(0, classes).Select(k => Enumerable.Range(0, goldenLabels.Length).Where(r => goldenLabels[r] == k).ToArray()).ToArray();
        var byGiven = Enumerable.Range(0, classes).Select(i => Enumerable.Range(0, given.Length).Where(r => given[r] == i).ToArray()).ToArray();
        var point = Deconvolve(training, byGiven, golden, byTrue, classes);

        var random = new Random(seed);
        var samples = new double[BootstrapSamples][,];
        for (var b = 0; b < BootstrapSamples; b++)
        {
            var goldenDraw = byTrue.Select(rows => Resample(rows, random)).ToArray();
            var trainingDraw = byGiven.Select(rows => Resample(rows, random)).ToArray();
            samples[b] = Deconvolve(training, trainingDraw, golden, goldenDraw, classes);
        }
        double Spread(Func<double[,], double> cell)
        {
            var values = samples.Select(cell).ToArray();
            var mean = values.Average();
            return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
        }

        var joint = new double[classes, classes];
        var pairs = new List<NoisePair>();
        var rest = new List<(int I, int K)>();
        for (var i = 0; i < classes; i++)
            for (var k = 0; k < classes; k++)
            {
                if (i == k) continue;
                var sd = Spread(s => s[i, k]);
                if (point[i, k] >= MinPairRows && point[i, k] > PairStandardErrors * sd)
                {
                    joint[i, k] = point[i, k];
                    pairs.Add(new NoisePair(i, k, point[i, k], sd > 0 ? point[i, k] / sd : double.PositiveInfinity));
                }
                else
                {
                    rest.Add((i, k));
                }
            }

        var trueCounts = Enumerable.Range(0, classes).Select(k => Math.Max(Enumerable.Range(0, classes).Sum(i => point[i, k]), 1.0)).ToArray();
        var diffuse = rest.Sum(c => point[c.I, c.K]);
        var diffuseSpread = Spread(s => rest.Sum(c => s[c.I, c.K]));
        if (diffuse > 0 && diffuse > DiffuseStandardErrors * diffuseSpread && rest.Count > 0)
        {
            diffuse += diffuseSpread;
            // Uniform flips: each true class loses rows in proportion to its size, spread evenly over the other labels.
            var weights = rest.Select(c => trueCounts[c.K]).ToArray();
            var total = weights.Sum();
            for (var r = 0; r < rest.Count; r++)
                joint[rest[r].I, rest[r].K] = diffuse * weights[r] / total;
        }
        else
        {
            diffuse = 0;
        }
        for (var k = 0; k < classes; k++)
        {
            var off = Enumerable.Range(0, classes).Where(i => i != k).Sum(i => joint[i, k]);
            joint[k, k] = Math.Max(trueCounts[k] - off, 1e-3);
        }
        return new NoiseModel(joint, pairs, diffuse);
    }

    /// <summary>
    /// The pairs a targeted relabelling explains: a pair that stands out and holds at least
    /// <paramref name="minShare"/> of its label's rows more than the other labels got, on average, from
    /// the same true class. Random flips give every other label the same share of a class's rows, so a
    /// small label (a rare class) collecting its share of a large class's flips is not a relabelling.
    /// </summary>
    public IReadOnlyList<TargetedPair> Targeted(long[] rowsWithLabel, double minShare)
    {
        var classes = Joint.GetLength(0);
        return Pairs.Select(p =>
        {
            var others = Enumerable.Range(0, classes).Where(i => i != p.Given && i != p.True).Select(i => Joint[i, p.True]).ToList();
            return new TargetedPair(p, p.Rows - (others.Count > 0 ? others.Average() : 0));
        }).Where(t => t.Excess >= minShare * rowsWithLabel[t.Pair.Given]).OrderByDescending(t => t.Pair.Rows).ToList();
    }

    /// <summary>P(true class k | features, label) for every row: the classifier's p(k | x) times P(label | k), normalised.</summary>
    public double[] Posterior(double[] probabilities, int[] given)
    {
        var classes = Transition.GetLength(0);
        var posterior = new double[probabilities.Length];
        for (var r = 0; r < given.Length; r++)
        {
            double sum = 0;
            for (var k = 0; k < classes; k++)
                sum += posterior[r * classes + k] = probabilities[r * classes + k] * Transition[given[r], k];
            for (var k = 0; k < classes; k++)
                posterior[r * classes + k] = sum > 0 ? posterior[r * classes + k] / sum : k == given[r] ? 1 : 0;
        }
        return posterior;
    }

    private static int[] Resample(int[] rows, Random random)
    {
        var draw = new int[rows.Length];
        for (var j = 0; j < draw.Length; j++) draw[j] = rows[random.Next(rows.Length)];
        return draw;
    }

    /// <summary>J = Q R^-1 (pseudo-inverse: a class the golden model cannot tell apart must not blow the estimate up).</summary>
    private static double[,] Deconvolve(double[] training, int[][] byGiven, double[] golden, int[][] byTrue, int classes)
    {
        var r = Matrix<double>.Build.Dense(classes, classes);
        for (var k = 0; k < classes; k++)
        {
            foreach (var row in byTrue[k])
                for (var j = 0; j < classes; j++) r[k, j] += golden[row * classes + j];
            if (byTrue[k].Length > 0)
                r.SetRow(k, r.Row(k) / byTrue[k].Length);
        }
        var q = Matrix<double>.Build.Dense(classes, classes);
        for (var i = 0; i < classes; i++)
            foreach (var row in byGiven[i])
                for (var j = 0; j < classes; j++) q[i, j] += training[row * classes + j];
        return (q * r.PseudoInverse()).ToArray();
    }
}
