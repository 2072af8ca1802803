using SecMLOps.Gates.Data;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness;

/// <summary>
/// The evaluation samples as one tensor in the model's raw value space and input layout
/// ([N, ...inputShape]), with labels; a stratified sample when the rule limits the count.
/// </summary>
/// <param name="Rows">Each sample's row in the dataset (counting from 0).</param>
/// <param name="LargestLabel">The largest label of the whole dataset, sampled or not, and its row.</param>
public sealed record EvaluationSet(Tensor Inputs, Tensor Labels, IReadOnlyList<int> Rows, (long Label, int Row) LargestLabel)
{
    public long Count => Labels.shape[0];

    /// <summary>
    /// Reads the dataset whole (every value checked finite and inside its range, never clamped), then
    /// takes the sample. Labels are checked against the model's classes once they are known.
    /// </summary>
    public static EvaluationSet Load(DatasetSpec dataset, IDatasetReader reader, ModelSpec model, long[] inputShape, int? sampleCount, int seed)
    {
        var perSample = ValuesPerSample(dataset, reader, inputShape);
        var features = new List<float>();
        var labels = new List<long>();
        var range = DatasetValues.RangeOf(dataset, reader, model.ValueRange ?? (0, 1));
        foreach (var batch in DatasetValues.Checked(dataset, reader, 4096, range, classes: null))
        {
            features.AddRange(batch.Features);
            labels.AddRange(batch.Labels.Select(l => (long)l));
        }
        if (labels.Count == 0)
            throw new GateInputException(EngineRules.InputMalformed, $"dataset {dataset.Name} has no rows", dataset.Location);
        var rows = Stratified(labels, sampleCount, seed);
        var values = new float[rows.Count * perSample];
        for (var i = 0; i < rows.Count; i++)
            features.CopyTo(rows[i] * (int)perSample, values, i * (int)perSample, (int)perSample);

        var inputs = ToModelInputs(values, rows.Count, dataset, model, inputShape, range!.Value);
        var largest = labels.Select((label, row) => (label, row)).MaxBy(p => p.label);
        return new EvaluationSet(inputs, tensor(rows.Select(r => labels[r]).ToArray()), rows, largest);
    }

    /// <summary>The values of one sample, which the dataset's rows must hold exactly.</summary>
    public static long ValuesPerSample(DatasetSpec dataset, IDatasetReader reader, long[] inputShape)
    {
        var perSample = inputShape.Aggregate(1L, (a, b) => a * b);
        if (reader.FeatureCount != perSample)
            throw new GateInputException(EngineRules.InputMalformed,
                $"dataset {dataset.Name} has {reader.FeatureCount} values a sample but the model input [{string.Join(", ", inputShape)}] takes {perSample}", dataset.Location);
        return perSample;
    }

    /// <summary>
    /// Rows of dataset values (checked, in the dataset's range) as the model takes them: mapped onto the
    /// model's value range, then laid out as its input (the values are changed in place).
    /// </summary>
    public static Tensor ToModelInputs(float[] values, int count, DatasetSpec dataset, ModelSpec model, long[] inputShape, (double Min, double Max) range)
    {
        var (modelLow, modelHigh) = model.ValueRange ?? (0, 1);
        var (dataLow, dataHigh) = range;
        var scale = (modelHigh - modelLow) / (dataHigh - dataLow);
        for (var i = 0; i < values.Length; i++)
            values[i] = (float)((values[i] - dataLow) * scale + modelLow);
        if (dataset.Layout is "HWC" && model.ChannelsFirst && inputShape.Length == 3)
            return tensor(values, [count, inputShape[1], inputShape[2], inputShape[0]]).permute(0, 3, 1, 2).contiguous();
        if (dataset.Layout is "CHW" && model.ChannelsLast && inputShape.Length == 3)
            return tensor(values, [count, inputShape[2], inputShape[0], inputShape[1]]).permute(0, 2, 3, 1).contiguous();
        return tensor(values, [count, .. inputShape]);
    }

    /// <summary>All rows, or a per-class proportional sample drawn with a fixed seed (rows kept in file order).</summary>
    private static List<int> Stratified(List<long> labels, int? count, int seed)
    {
        if (count is null || count >= labels.Count)
            return Enumerable.Range(0, labels.Count).ToList();
        var random = new Random(seed);
        var chosen = new List<int>();
        foreach (var group in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]))
        {
            var members = group.ToArray();
            random.Shuffle(members);
            chosen.AddRange(members.Take((int)Math.Round((double)members.Length * count.Value / labels.Count)));
        }
        return chosen.Order().ToList();
    }
}
