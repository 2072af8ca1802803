namespace SecMLOps.Gates.Data;

/// <summary>A run of consecutive samples: row-major features (Count x FeatureCount) and one label each.</summary>
public sealed record LabeledBatch(int FirstRow, int Count, int FeatureCount, float[] Features, int[] Labels)
{
    /// <summary>Each row's name in the file (a table's id column), where the dataset declares one.</summary>
    public IReadOnlyList<string>? RowIds { get; init; }

    public ReadOnlySpan<float> Row(int index) => Features.AsSpan(index * FeatureCount, FeatureCount);
}

/// <summary>
/// Streams a labelled dataset in batches, so that large training sets are never held whole.
/// Readers check their format as they read and throw <see cref="InvalidDataException"/> with a reason.
/// </summary>
public interface IDatasetReader
{
    int FeatureCount { get; }

    /// <summary>The number of samples the file declares before any is read (a header, a folder listing); null where only reading tells (CSV).</summary>
    long? DeclaredRows { get; }

    /// <summary>The range the file's element type implies (0..255 for unsigned bytes); null for numbers of any size.</summary>
    (double Min, double Max)? NaturalRange { get; }

    /// <summary>The features that hold category codes rather than amounts (in feature order, the label not counted).</summary>
    IReadOnlyList<int> CategoricalFeatures => [];

    IEnumerable<LabeledBatch> ReadBatches(int batchSize);
}
