using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Data;

/// <summary>Opens the reader a dataset's format names; a file that does not read is an input error at the dataset's line.</summary>
public static class DatasetReaders
{
    public static IDatasetReader Open(DatasetSpec dataset)
    {
        var format = dataset.Format;
        if (format.Open is not { } open)
            throw new GateInputException(EngineRules.PolicyInconsistent,
                $"dataset {dataset.Name} holds {format.Name}, not labelled samples; this rule's gate reads labelled samples, so it cannot use it", dataset.Location);
        IDatasetReader reader;
        try
        {
            reader = open(dataset);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw Malformed(dataset, e);
        }
        if (reader.DeclaredRows is { } rows && rows * reader.FeatureCount > InputLimits.DatasetMemoryBytes / sizeof(float))
            throw new GateInputException(EngineRules.InputMalformed,
                $"dataset {dataset.Name} declares {rows} samples of {reader.FeatureCount} values, {Gibibytes(rows * reader.FeatureCount * sizeof(float))} as 32-bit floats, " +
                $"more than the {Gibibytes(InputLimits.DatasetMemoryBytes)} a dataset may take ({InputLimits.DatasetMemoryVariable} sets it, in bytes); nothing was read", dataset.Location);
        return reader;
    }

    /// <summary>The values in one sample of the given dimensions; more than an array holds is a malformed file, not an overflow.</summary>
    public static int SampleSize(IEnumerable<int> dimensions, string file)
    {
        var dims = dimensions.ToList();
        var product = dims.Aggregate(1L, (size, d) => size > int.MaxValue ? size : size * d);
        return product <= Array.MaxLength
            ? (int)product
            : throw new InvalidDataException($"{file}: one sample of ({string.Join(", ", dims)}) has more values than any array holds");
    }

    private static string Gibibytes(long bytes) =>
        bytes >= 1L << 30 ? FormattableString.Invariant($"{bytes / (double)(1L << 30):0.##} GiB")
        : bytes >= 1L << 20 ? FormattableString.Invariant($"{bytes / (double)(1L << 20):0.##} MiB")
        : FormattableString.Invariant($"{bytes} bytes");

    /// <summary>
    /// Streams every batch, turning a format error met half-way into an input error, and stopping a
    /// dataset that grows past the memory limit as it is read (one whose size no header declared).
    /// </summary>
    public static IEnumerable<LabeledBatch> Batches(DatasetSpec dataset, IDatasetReader reader, int batchSize)
    {
        using var batches = reader.ReadBatches(batchSize).GetEnumerator();
        var values = 0L;
        while (true)
        {
            try
            {
                if (!batches.MoveNext())
                    yield break;
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                throw Malformed(dataset, e);
            }
            values += batches.Current.Features.LongLength;
            if (values > InputLimits.DatasetMemoryBytes / sizeof(float))
                throw new GateInputException(EngineRules.InputMalformed,
                    $"dataset {dataset.Name} holds more than {InputLimits.DatasetMemoryBytes / sizeof(float)} values ({Gibibytes(InputLimits.DatasetMemoryBytes)} as 32-bit floats) by row {batches.Current.FirstRow + batches.Current.Count}; " +
                    $"{InputLimits.DatasetMemoryVariable} sets the limit, in bytes", dataset.Location);
            yield return batches.Current;
        }
    }

    private static GateInputException Malformed(DatasetSpec dataset, Exception e) =>
        new(EngineRules.InputMalformed, $"dataset {dataset.Name}: {e.Message}", dataset.Location);
}
