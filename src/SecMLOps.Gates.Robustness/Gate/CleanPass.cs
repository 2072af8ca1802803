using SecMLOps.Gates.Findings;
using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Gate;

/// <summary>What one pass over the clean set found: predictions, the number of classes, whether the outputs are probabilities, and the executors' largest disagreement.</summary>
/// <param name="Disagreement">ONNX models: the largest difference between the executor's and ONNX Runtime's outputs, relative to the outputs' size, with the sample and class where it is.</param>
public sealed record CleanPass(long[] Predictions, int Classes, bool Probabilities, (double Relative, int Sample, int Class, float Executor, float Reference)? Disagreement)
{
    /// <summary>Runs the reference runtime (and, for ONNX models, the gate's executor beside it) over the clean set.</summary>
    public static CleanPass Run(ModelUnderTest model, EvaluationSet set, int batchSize, SourceLocation at)
    {
        var predictions = new List<long>();
        var probabilities = true;
        var classes = 0;
        (double Relative, int Sample, int Class, float Executor, float Reference)? worst = null;
        for (long start = 0; start < set.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var batch = set.Inputs.narrow(0, start, Math.Min(batchSize, set.Count - start));
            var reference = model.ReferenceOutputs(batch);
            if (reference.dim() != 2 || reference.shape[1] < 2 || reference.shape[0] != batch.shape[0])
                throw new GateInputException(EngineRules.UnsupportedModelFeature,
                    $"the model's output has shape [{string.Join(", ", reference.shape)}]; the gate attacks classifiers whose output is [batch, classes] with at least two classes", at);
            if (!reference.isfinite().all().item<bool>())
                throw new GateInputException(EngineRules.InputMalformed, $"the model's outputs on the clean samples from row {set.Rows[(int)start]} on are not all finite", at);
            classes = (int)reference.shape[1];
            predictions.AddRange(reference.argmax(1).data<long>().ToArray());
            probabilities &= reference.min().item<float>() >= -1e-5f && reference.max().item<float>() <= 1 + 1e-5f
                && reference.sum(1).sub(Held(1)).abs().max().item<float>() <= 1e-4f;
            if (!model.HasSeparateReference)
                continue;
            var executor = model.DifferentiableOutputs(batch);
            var difference = (executor - reference).abs();
            var scale = Math.Max(1.0, reference.abs().max().item<float>());
            var flat = (int)difference.argmax().item<long>();
            var relative = difference.max().item<float>() / scale;
            if (worst is null || relative > worst.Value.Relative)
            {
                var (row, column) = (flat / classes, flat % classes);
                worst = (relative, set.Rows[(int)start + row], column, executor[row, column].item<float>(), reference[row, column].item<float>());
            }
        }
        return new CleanPass(predictions.ToArray(), classes, probabilities, worst);
    }

    /// <summary>Whether repeated passes over the same inputs disagree (a randomised model): AutoAttack's test, normalised logits more than 1e-4 apart or other predictions.</summary>
    public static bool IsRandomised(ModelUnderTest model, EvaluationSet set, int batchSize)
    {
        using var scope = NewDisposeScope();
        var batch = set.Inputs.narrow(0, 0, Math.Min(batchSize, set.Count));
        return Varies(() => model.ReferenceOutputs(batch)) || (model.HasSeparateReference && Varies(() => model.DifferentiableOutputs(batch)));
    }

    private static bool Varies(Func<Tensor> run)
    {
        var passes = Enumerable.Range(0, 5).Select(_ => Normalised(run())).ToList();
        return passes.Skip(1).Any(p => (p - passes[0]).norm(1, keepdim: false).max().item<float>() > 1e-4f || !p.argmax(1).eq(passes[0].argmax(1)).all().item<bool>());
    }

    private static Tensor Normalised(Tensor outputs) => outputs / outputs.norm(1, keepdim: true).add(Held(1e-10));
}
