using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Data;

/// <summary>Opens the reader a dataset's format names; a file that does not read is an input error at the dataset's line.</summary>
public static class DatasetReaders
{
    public static IDatasetReader Open(DatasetSpec dataset)
    {
        foreach (var path in new[] { dataset.Path, dataset.LabelsPath }.OfType<string>())
        {
            if (!File.Exists(path) && !(dataset.Format == "image-folder" && Directory.Exists(path)))
                throw new GateInputException(EngineRules.InputMissing, $"dataset {dataset.Name}: {path} does not exist", dataset.Location);
        }
        try
        {
            return dataset.Format switch
            {
                "idx" => new IdxDatasetReader(dataset.Path, Labels(dataset)),
                "csv" => new CsvDatasetReader(dataset.Path, dataset.LabelColumn),
                "npy" => NpyDatasetReader.FromFiles(dataset.Path, Labels(dataset)),
                "npz" => NpyDatasetReader.FromArchive(dataset.Path, dataset.FeaturesArray, dataset.LabelsArray),
                _ => new ImageFolderDatasetReader(dataset.Path, dataset.Channels),
            };
        }
        catch (InvalidDataException e)
        {
            throw new GateInputException(EngineRules.InputMissing, $"dataset {dataset.Name}: {e.Message}", dataset.Location);
        }
    }

    private static string Labels(DatasetSpec dataset) =>
        dataset.LabelsPath ?? throw new GateInputException(EngineRules.SchemaViolation, $"dataset {dataset.Name}: the {dataset.Format} format needs 'labels'", dataset.Location);

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
            catch (InvalidDataException e)
            {
                throw new GateInputException(EngineRules.InputMissing, $"dataset {dataset.Name}: {e.Message}", dataset.Location);
            }
            yield return batches.Current;
        }
    }
}
