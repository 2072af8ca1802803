using SecMLOps.Gates.Findings;
using static System.FormattableString;

namespace SecMLOps.Gates.Data;

/// <summary>
/// Reads a dataset whole and refuses what the gate would otherwise silently bend: a non-finite value,
/// a value outside the dataset's range (never clamped), a label that is not one of the classes. The
/// error names the dataset, the first offending row (counting from 0, as the quarantine file does)
/// and the value.
/// </summary>
public static class DatasetValues
{
    /// <summary>The range the dataset's values must lie in: declared, else implied by its element type, else <paramref name="fallback"/>.</summary>
    public static (double Min, double Max)? RangeOf(DatasetSpec dataset, IDatasetReader reader, (double Min, double Max)? fallback) =>
        dataset.ValueRange ?? reader.NaturalRange ?? fallback;

    public static IEnumerable<LabeledBatch> Checked(DatasetSpec dataset, IDatasetReader reader, int batchSize, (double Min, double Max)? range, int? classes)
    {
        foreach (var batch in DatasetReaders.Batches(dataset, reader, batchSize))
        {
            for (var i = 0; i < batch.Count; i++)
            {
                var label = batch.Labels[i];
                if (label < 0 || (classes is { } count && label >= count))
                    throw Malformed(dataset, Invariant($"row {batch.FirstRow + i} has label {label}, but the classes are 0 to {classes - 1}"));
                var row = batch.Row(i);
                for (var j = 0; j < row.Length; j++)
                {
                    var value = row[j];
                    if (!float.IsFinite(value))
                        throw Malformed(dataset, Invariant($"row {batch.FirstRow + i}, value {j} is {value}; every value must be a finite number"));
                    if (range is { } bounds && (value < bounds.Min || value > bounds.Max))
                        throw Malformed(dataset, Invariant($"row {batch.FirstRow + i}, value {j} is {value}, outside the range [{bounds.Min}, {bounds.Max}]; declare the dataset's valueRange if its values are scaled otherwise (values are never clamped)"));
                }
            }
            yield return batch;
        }
    }

    private static GateInputException Malformed(DatasetSpec dataset, string message) =>
        new(EngineRules.InputMalformed, $"dataset {dataset.Name} ({Path.GetFileName(dataset.Path)}): {message}", dataset.Location);
}
