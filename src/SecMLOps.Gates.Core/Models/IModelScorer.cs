using SecMLOps.Gates.Data;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Models;

/// <summary>Per-class results of a model on a labelled dataset.</summary>
public sealed record ClassScores(IReadOnlyList<long> Correct, IReadOnlyList<long> Total)
{
    public double Accuracy => (double)Correct.Sum() / Math.Max(1, Total.Sum());

    public double Recall(int label) => label < Total.Count && Total[label] > 0 ? (double)Correct[label] / Total[label] : double.NaN;
}

/// <summary>Runs a model over a dataset; the robustness engine provides it (the engine core loads no models).</summary>
public interface IModelScorer
{
    /// <summary>The model formats it loads.</summary>
    IReadOnlyList<ModelFileFormat> Formats { get; }

    /// <summary>Scores the policy's model, or <paramref name="file"/> (e.g. the baseline) with the model's input settings.</summary>
    ClassScores Score(ModelSpec model, ModelFileSpec? file, DatasetSpec dataset);

    /// <summary>How many classes the policy's model scores (the width of its output).</summary>
    int ClassCount(ModelSpec model);

    /// <summary>The policy's model's logits for every row of the dataset, in file order (rows x classes), read in batches.</summary>
    float[] Logits(ModelSpec model, DatasetSpec dataset);
}
