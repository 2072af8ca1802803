namespace SecMLOps.Gates.Gates.Poisoning;

/// <summary>Exact k-nearest-neighbour votes over the (projected) golden set, by blocked brute force.</summary>
internal sealed class NeighbourIndex(float[] reference, int[] labels, int dimension, int classes)
{
    private int Count => labels.Length;

    /// <summary>Fraction of the k nearest golden samples in each class; <paramref name="exclude"/> leaves one golden row out.</summary>
    public void Votes(ReadOnlySpan<float> query, int k, int exclude, Span<double> probabilities)
    {
        k = Math.Min(k, Count - (exclude >= 0 ? 1 : 0));
        Span<float> best = stackalloc float[k];
        Span<int> bestLabels = stackalloc int[k];
        best.Fill(float.PositiveInfinity);
        for (var i = 0; i < Count; i++)
        {
            if (i == exclude) continue;
            var distance = Vectors.SquaredDistance(query, reference.AsSpan(i * dimension, dimension));
            if (distance >= best[k - 1]) continue;
            var position = k - 1;
            while (position > 0 && best[position - 1] > distance)
            {
                best[position] = best[position - 1];
                bestLabels[position] = bestLabels[position - 1];
                position--;
            }
            best[position] = distance;
            bestLabels[position] = labels[i];
        }
        probabilities.Clear();
        foreach (var label in bestLabels) probabilities[label] += 1.0 / k;
    }

    public int Classes => classes;
}
