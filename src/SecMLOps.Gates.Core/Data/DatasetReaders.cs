using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Data;

/// <summary>Opens the reader a dataset's format names; a file that does not read is an input error at the dataset's line.</summary>
public static class DatasetReaders
{
    public static IDatasetReader Open(DatasetSpec dataset)
    {
        var format = DatasetFormats.Find(dataset.Format)
            ?? throw new GateInputException(EngineRules.SchemaViolation, $"dataset {dataset.Name}: '{dataset.Format}' is not a dataset format", dataset.Location);
        try
        {
            return format.Open(dataset);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw Malformed(dataset, e);
        }
    }

    /// <summary>Streams every batch, turning a format error met half-way into an input error.</summary>
    public static IEnumerable<LabeledBatch> Batches(DatasetSpec dataset, IDatasetReader reader, int batchSize)
    {
        using var batches = reader.ReadBatches(batchSize).GetEnumerator();
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
            yield return batches.Current;
        }
    }

    private static GateInputException Malformed(DatasetSpec dataset, Exception e) =>
        new(EngineRules.InputMalformed, $"dataset {dataset.Name}: {e.Message}", dataset.Location);
}
