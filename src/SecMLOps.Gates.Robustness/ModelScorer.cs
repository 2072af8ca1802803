using SecMLOps.Gates.Data;
using SecMLOps.Gates.Models;
using SecMLOps.Gates.Policies;
using SecMLOps.Gates.Robustness.Models;
using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness;

/// <summary>
/// Scores models for the poisoning gate's model-level checks, with the robustness engine's model loading.
/// Each call makes its tensors inside a dispose scope, which holds them until it returns: a temporary
/// left to the finalizer can be freed while libtorch is still reading it (a crash, not an error). Models
/// run confined, as in the robustness gate (<see cref="ModelConfinement"/>).
/// </summary>
/// <param name="models">The model formats it loads.</param>
public sealed class ModelScorer(ModelFormatCatalogue models) : IModelScorer
{
    public ModelScorer()
        : this(ModelFormatCatalogue.BuiltIn)
    {
    }

    public IReadOnlyList<ModelFileFormat> Formats => models.All;

    public ClassScores Score(ModelSpec model, ModelFileSpec? file, DatasetSpec dataset) => ModelConfinement.Run(() => ScoreConfined(model, file, dataset));

    public float[] Logits(ModelSpec model, DatasetSpec dataset) => ModelConfinement.Run(() => LogitsConfined(model, dataset));

    public int ClassCount(ModelSpec model) => ModelConfinement.Run(() => ClassCountConfined(model));

    private ClassScores ScoreConfined(ModelSpec model, ModelFileSpec? file, DatasetSpec dataset)
    {
        var (path, format, at) = file is null ? (model.Path, model.Format, model.Location) : (file.Path, file.Format, file.Location);
        using var scope = NewDisposeScope();
        using var loaded = ModelUnderTest.Load(models, path, format, model, CPU, at);
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

    private float[] LogitsConfined(ModelSpec model, DatasetSpec dataset)
    {
        using var scope = NewDisposeScope();
        using var loaded = ModelUnderTest.Load(models, model.Path, model.Format, model, CPU, model.Location);
        var reader = DatasetReaders.Open(dataset);
        EvaluationSet.ValuesPerSample(dataset, reader, loaded.InputShape);
        var range = DatasetValues.RangeOf(dataset, reader, model.ValueRange ?? (0, 1))!.Value;
        var logits = new List<float>();
        foreach (var batch in DatasetValues.Checked(dataset, reader, 1024, range, classes: null))
        {
            using var batchScope = NewDisposeScope();
            var inputs = EvaluationSet.ToModelInputs(batch.Features, batch.Count, dataset, model, loaded.InputShape, range);
            logits.AddRange(loaded.ReferenceOutputs(inputs).to_type(ScalarType.Float32).data<float>().ToArray());
        }
        return logits.ToArray();
    }

    private int ClassCountConfined(ModelSpec model)
    {
        using var scope = NewDisposeScope();
        using var loaded = ModelUnderTest.Load(models, model.Path, model.Format, model, CPU, model.Location);
        var (low, _) = model.ValueRange ?? (0, 1);
        return (int)loaded.ReferenceOutputs(full([1, .. loaded.InputShape], Held(low))).shape[1];
    }
}
