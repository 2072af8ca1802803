using SecMLOps.Gates.Data;
using SecMLOps.Gates.Models;
using SecMLOps.Gates.Policies;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness;

/// <summary>Scores models for the poisoning gate's model-level checks, with the robustness engine's model loading.</summary>
public sealed class ModelScorer : IModelScorer
{
    public ClassScores Score(ModelSpec model, ModelFileSpec? file, DatasetSpec dataset)
    {
        var (path, format, at) = file is null ? (model.Path, model.Format, model.Location) : (file.Path, file.Format, file.Location);
        using var loaded = ModelUnderTest.Load(path, format, model, CPU, at);
        var set = EvaluationSet.Load(dataset, DatasetReaders.Open(dataset), model, loaded.InputShape, null, 0);
        var predictions = loaded.Predict(set.Inputs, 256).data<long>().ToArray();
        var labels = set.Labels.data<long>().ToArray();
        var classes = (int)Math.Max(labels.Max(), predictions.Max()) + 1;
        var (correct, total) = (new long[classes], new long[classes]);
        for (var i = 0; i < labels.Length; i++)
        {
            total[labels[i]]++;
            if (predictions[i] == labels[i]) correct[labels[i]]++;
        }
        return new ClassScores(correct, total);
    }

    public int ClassCount(ModelSpec model)
    {
        using var loaded = ModelUnderTest.Load(model.Path, model.Format, model, CPU, model.Location);
        var (low, _) = model.ValueRange ?? (0, 1);
        return (int)loaded.ReferenceOutputs(full([1, .. loaded.InputShape], low)).shape[1];
    }
}
