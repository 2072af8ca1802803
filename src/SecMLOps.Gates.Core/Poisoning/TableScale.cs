namespace SecMLOps.Gates.Poisoning;

/// <summary>
/// A table's columns prepared on the golden set, each for what it is. An amount is centred on its
/// median, divided by a robust spread (the interquartile range over 1.349, which is the standard
/// deviation for a normal column; the mean absolute deviation when half the values are equal; 1 for a
/// constant column), then passed through asinh, which leaves the bulk linear and turns a heavy tail
/// logarithmic: a column in cents beside one in millions then weighs the same, and one extreme value
/// cannot squash the rest. A category code becomes one indicator a category the golden set holds
/// (codes are names, not amounts: merchant type 7 is not "more" than 6); a category the golden set
/// lacks sets none of them.
/// </summary>
internal sealed class TableScale
{
    private readonly float[] _centre;
    private readonly float[] _spread;
    private readonly Dictionary<int, float[]> _categories;

    private TableScale(float[] centre, float[] spread, Dictionary<int, float[]> categories)
    {
        (_centre, _spread, _categories) = (centre, spread, categories);
        Dimension = centre.Length - categories.Count + categories.Values.Sum(c => c.Length);
    }

    /// <summary>Values a prepared row has.</summary>
    public int Dimension { get; }

    public static TableScale Fit(float[] rows, int count, int dimension, IReadOnlyList<int> categorical)
    {
        var (centre, spread) = (new float[dimension], new float[dimension]);
        var categories = new Dictionary<int, float[]>();
        var column = new float[count];
        for (var j = 0; j < dimension; j++)
        {
            for (var i = 0; i < count; i++) column[i] = rows[i * dimension + j];
            if (categorical.Contains(j))
            {
                categories[j] = column.Distinct().Order().ToArray();
                continue;
            }
            Array.Sort(column);
            var median = Quantile(column, 0.5);
            var interquartile = (Quantile(column, 0.75) - Quantile(column, 0.25)) / 1.349;
            var meanDeviation = column.Average(v => Math.Abs(v - median)) * 1.2533;
            centre[j] = (float)median;
            spread[j] = (float)(interquartile > 0 ? interquartile : meanDeviation > 0 ? meanDeviation : 1);
        }
        return new TableScale(centre, spread, categories);
    }

    public float[] Apply(float[] rows)
    {
        var dimension = _centre.Length;
        var count = rows.Length / dimension;
        var prepared = new float[count * Dimension];
        for (var r = 0; r < count; r++)
        {
            var at = r * Dimension;
            for (var j = 0; j < dimension; j++)
            {
                var value = rows[r * dimension + j];
                if (_categories.TryGetValue(j, out var codes))
                {
                    if (Array.BinarySearch(codes, value) is var index and >= 0)
                        prepared[at + index] = 1;
                    at += codes.Length;
                }
                else
                {
                    prepared[at++] = MathF.Asinh((value - _centre[j]) / _spread[j]);
                }
            }
        }
        return prepared;
    }

    /// <summary>Linear interpolation between the closest ranks of sorted values.</summary>
    private static double Quantile(float[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * ((double)sorted[above] - sorted[below]);
    }
}
