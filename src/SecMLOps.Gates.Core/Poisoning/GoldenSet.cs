using SecMLOps.Gates.Data;

namespace SecMLOps.Gates.Poisoning;

/// <summary>The golden set in memory (it is the smaller set), with each feature's range.</summary>
internal sealed record GoldenSet(float[] Features, int[] Labels, int Dimension, float[] Low, float[] High)
{
    public int Count => Labels.Length;

    /// <summary>
    /// One affine map for every feature, taking the golden set's smallest and largest value to 0 and 1:
    /// the classifiers get inputs of a known size, and features keep their relative scale (pixels stay pixels).
    /// </summary>
    public FeatureScale Scale() => FeatureScale.Spanning(Low.Min(), High.Max());

    public static GoldenSet Load(DatasetSpec dataset, IDatasetReader reader, int? classes)
    {
        var features = new List<float>();
        var labels = new List<int>();
        foreach (var batch in DatasetValues.Checked(dataset, reader, 4096, DatasetValues.RangeOf(dataset, reader, null), classes))
        {
            features.AddRange(batch.Features);
            labels.AddRange(batch.Labels);
        }
        var dimension = reader.FeatureCount;
        var (low, high) = (new float[dimension], new float[dimension]);
        Array.Fill(low, float.PositiveInfinity);
        Array.Fill(high, float.NegativeInfinity);
        var all = features.ToArray();
        for (var i = 0; i < labels.Count; i++)
            for (var j = 0; j < dimension; j++)
            {
                low[j] = Math.Min(low[j], all[i * dimension + j]);
                high[j] = Math.Max(high[j], all[i * dimension + j]);
            }
        return new GoldenSet(all, labels.ToArray(), dimension, low, high);
    }
}

internal readonly record struct FeatureScale(float Offset, float Range)
{
    /// <summary>The affine map taking <paramref name="low"/> to 0 and <paramref name="high"/> to 1 (a constant to 0).</summary>
    public static FeatureScale Spanning(float low, float high) => new(low, high > low ? high - low : 1);

    public float[] Apply(float[] rows)
    {
        var scaled = new float[rows.Length];
        for (var i = 0; i < rows.Length; i++) scaled[i] = (rows[i] - Offset) / Range;
        return scaled;
    }
}
