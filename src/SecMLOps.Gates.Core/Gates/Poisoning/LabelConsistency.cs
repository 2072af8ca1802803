namespace SecMLOps.Gates.Gates.Poisoning;

/// <summary>A training row whose given label the golden set disagrees with.</summary>
internal sealed record LabelSuspicion(int Row, int GivenLabel, int SuggestedLabel, double Score);

/// <summary>
/// Confident-learning style label check. Out-of-sample class probabilities come from k-NN votes of
/// the golden set (leave-one-out for golden rows); each class c gets the threshold t_c, the mean
/// probability of c over golden rows labelled c. A row labelled y is flagged when p(y) &lt; t_y and
/// some other class c reaches p(c) &gt;= t_c; the golden set's own flagged fraction is the method's
/// noise floor on clean data.
/// </summary>
internal sealed class LabelConsistency
{
    private readonly NeighbourIndex _index;
    private readonly int _k;
    private readonly double[] _thresholds;

    public LabelConsistency(float[] golden, int[] labels, int dimension, int classes, int k)
    {
        _index = new NeighbourIndex(golden, labels, dimension, classes);
        _k = k;
        var probabilities = new double[labels.Length * classes];
        Parallel.For(0, labels.Length, i =>
            _index.Votes(golden.AsSpan(i * dimension, dimension), k, i, probabilities.AsSpan(i * classes, classes)));
        _thresholds = new double[classes];
        var perClass = new int[classes];
        for (var i = 0; i < labels.Length; i++)
        {
            _thresholds[labels[i]] += probabilities[i * classes + labels[i]];
            perClass[labels[i]]++;
        }
        for (var c = 0; c < classes; c++) _thresholds[c] = perClass[c] == 0 ? 1.0 : _thresholds[c] / perClass[c];
        GoldenFlaggedFraction = (double)Enumerable.Range(0, labels.Length)
            .Count(i => Judge(probabilities.AsSpan(i * classes, classes), labels[i]) is not null) / labels.Length;
    }

    /// <summary>The fraction of golden rows the method flags on its own (leave-one-out).</summary>
    public double GoldenFlaggedFraction { get; }

    public IReadOnlyList<double> Thresholds => _thresholds;

    /// <summary>Judges a batch of projected training rows; returns the suspicious ones.</summary>
    public IReadOnlyList<LabelSuspicion> Check(float[] projected, int[] labels, int firstRow, int dimension)
    {
        var classes = _thresholds.Length;
        var suspicions = new LabelSuspicion?[labels.Length];
        Parallel.For(0, labels.Length, () => new double[classes], (i, _, probabilities) =>
        {
            _index.Votes(projected.AsSpan(i * dimension, dimension), _k, -1, probabilities);
            if (Judge(probabilities, labels[i]) is { } suggested)
                suspicions[i] = new LabelSuspicion(firstRow + i, labels[i], suggested, labels[i] < classes ? probabilities[labels[i]] : 0);
            return probabilities;
        }, _ => { });
        return suspicions.OfType<LabelSuspicion>().ToList();
    }

    private int? Judge(ReadOnlySpan<double> probabilities, int label)
    {
        var given = label < _thresholds.Length ? probabilities[label] : 0;
        if (label < _thresholds.Length && given >= _thresholds[label])
            return null;
        int? suggested = null;
        for (var c = 0; c < _thresholds.Length; c++)
        {
            if (c != label && probabilities[c] >= _thresholds[c] && (suggested is null || probabilities[c] > probabilities[suggested.Value]))
                suggested = c;
        }
        return suggested;
    }
}
