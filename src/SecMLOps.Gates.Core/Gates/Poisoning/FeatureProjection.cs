using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace SecMLOps.Gates.Gates.Poisoning;

/// <summary>
/// Principal-component projection fitted on (a seeded sample of) the golden set, so that neighbour
/// search runs on a few dozen dimensions instead of hundreds. Features that are already few pass through.
/// </summary>
internal sealed class FeatureProjection
{
    private const int FitSampleLimit = 2000;
    private readonly float[] _mean;
    private readonly float[]? _components;

    private FeatureProjection(int inputDimension, int outputDimension, float[] mean, float[]? components)
    {
        (InputDimension, OutputDimension, _mean, _components) = (inputDimension, outputDimension, mean, components);
    }

    public int InputDimension { get; }
    public int OutputDimension { get; }

    public static FeatureProjection Fit(float[] rows, int count, int dimension, int components, int seed)
    {
        var mean = new float[dimension];
        if (dimension <= components)
            return new FeatureProjection(dimension, dimension, mean, null);

        var sample = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(sample);
        sample = sample.Take(Math.Min(FitSampleLimit, count)).ToArray();
        var means = new double[dimension];
        foreach (var row in sample)
            for (var j = 0; j < dimension; j++) means[j] += rows[row * dimension + j];
        for (var j = 0; j < dimension; j++) mean[j] = (float)(means[j] / sample.Length);

        var centered = Matrix<double>.Build.Dense(sample.Length, dimension, (i, j) => rows[sample[i] * dimension + j] - mean[j]);
        var covariance = centered.TransposeThisAndMultiply(centered);
        var eigen = covariance.Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, dimension).OrderByDescending(i => eigen.EigenValues[i].Real).Take(components).ToArray();
        var basis = new float[components * dimension];
        for (var c = 0; c < components; c++)
            for (var j = 0; j < dimension; j++) basis[c * dimension + j] = (float)eigen.EigenVectors[j, order[c]];
        return new FeatureProjection(dimension, components, mean, basis);
    }

    public void Project(ReadOnlySpan<float> row, Span<float> output)
    {
        if (_components is null)
        {
            row.CopyTo(output);
            return;
        }
        Span<float> centered = row.Length <= 4096 ? stackalloc float[row.Length] : new float[row.Length];
        for (var j = 0; j < row.Length; j++) centered[j] = row[j] - _mean[j];
        for (var c = 0; c < OutputDimension; c++)
            output[c] = Vectors.Dot(centered, _components.AsSpan(c * InputDimension, InputDimension));
    }

    public float[] ProjectAll(float[] rows, int count)
    {
        var projected = new float[count * OutputDimension];
        Parallel.For(0, count, i => Project(rows.AsSpan(i * InputDimension, InputDimension), projected.AsSpan(i * OutputDimension, OutputDimension)));
        return projected;
    }
}
