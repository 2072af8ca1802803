using SecMLOps.Gates.Poisoning;
using TorchSharp.Modules;
using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SecMLOps.Gates.Robustness.Learning;

/// <summary>
/// The label check's classifiers, trained with libtorch on the CPU: a one-hidden-layer network
/// (dropout 0.1 on the inputs, 512 ReLU units, dropout 0.3) fitted by Adam (learning rate 0.001,
/// <see cref="HeldAdam"/>).
/// Measured on 10,000 Fashion-MNIST rows with 10 % flipped labels against linear models, narrower,
/// wider and two-layer networks and a small CNN: the most accurate on the true labels (0.858) but
/// for the CNN (0.850) at a seventh of its time. Epochs scale with the fold size (fewer rows, more
/// epochs) so that small and large sets get a similar number of updates.
/// </summary>
public sealed class TorchLabelModelTrainer : ILabelModelTrainer
{
    public LabelClassifier Classifier => LabelClassifier.Network;

    private const int HiddenUnits = 512;

    public IGoldenModels TrainGolden(float[] features, int[] labels, int dimension, LabelModelOptions options)
    {
        // Every tensor made here is held by a scope until it is no longer read (see ModelScorer).
        using var outer = NewDisposeScope();
        var rows = labels.Length;
        var x = tensor(features, [rows, dimension]);
        var y = tensor(labels.Select(l => (long)l).ToArray());
        var folds = CrossValidationFolds.Assign(rows, options.Folds, options.Seed + 7);
        var foldRows = rows * (options.Folds - 1) / options.Folds;
        var epochs = Math.Clamp((int)Math.Round(48000.0 / Math.Max(foldRows, 1)), 8, 40);
        var goldenLogits = zeros(rows, options.Classes);
        var models = new List<Sequential>();
        for (var k = 0; k < options.Folds; k++)
        {
            using var scope = NewDisposeScope();
            var (train, test) = Split(folds, k);
            var model = Train(x.index_select(0, train), y.index_select(0, train), null, null, options.Classes, epochs, rows < 5000 ? 64 : 128, options.Seed * 100 + 50 + k);
            using (no_grad())
                goldenLogits.index_copy_(0, test, model.call(x.index_select(0, test)));
            models.Add(model);
        }
        var projection = PrincipalComponents.Fit(x, options.Components);
        return new GoldenModels(models, projection, goldenLogits.data<float>().ToArray(), projection.Project(x).data<float>().ToArray(), options.Classes);
    }

    public (float[] TrainingLogits, float[] GoldenLogits) CrossValidate(float[] training, int[] given, float[] golden, int[] goldenLabels, int dimension,
        double[,] transition, LabelModelOptions options)
    {
        using var scope = NewDisposeScope();
        var (rows, goldenRows, classes) = (given.Length, goldenLabels.Length, options.Classes);
        var xTraining = tensor(training, [rows, dimension]);
        var xGolden = tensor(golden, [goldenRows, dimension]);
        var yTraining = tensor(given.Select(l => (long)l).ToArray());
        var yGolden = tensor(goldenLabels.Select(l => (long)l).ToArray());
        var noise = tensor(Enumerable.Range(0, classes * classes).Select(i => (float)transition[i / classes, i % classes]).ToArray(), [classes, classes]);
        var (trainingFolds, goldenFolds) = (CrossValidationFolds.Assign(rows, options.Folds, options.Seed), CrossValidationFolds.Assign(goldenRows, options.Folds, options.Seed + 1));
        var foldRows = (rows + goldenRows) * (options.Folds - 1) / options.Folds;
        var epochs = Math.Clamp((int)Math.Round(15 * 11500.0 / Math.Max(foldRows, 1)), 4, 15);
        var (trainingLogits, goldenLogits) = (zeros(rows, classes), zeros(goldenRows, classes));
        for (var k = 0; k < options.Folds; k++)
        {
            using var fold = NewDisposeScope();
            var (trainRows, testRows) = Split(trainingFolds, k);
            var (trainGolden, testGolden) = Split(goldenFolds, k);
            var x = cat([xTraining.index_select(0, trainRows), xGolden.index_select(0, trainGolden)]);
            var y = cat([yTraining.index_select(0, trainRows), yGolden.index_select(0, trainGolden)]);
            var noisy = cat([ones(trainRows.shape[0], dtype: ScalarType.Bool), zeros(trainGolden.shape[0], dtype: ScalarType.Bool)]);
            using var model = Train(x, y, noisy, noise, classes, epochs, 256, options.Seed * 100 + k);
            using (no_grad())
            {
                trainingLogits.index_copy_(0, testRows, model.call(xTraining.index_select(0, testRows)));
                goldenLogits.index_copy_(0, testGolden, model.call(xGolden.index_select(0, testGolden)));
            }
        }
        return (trainingLogits.data<float>().ToArray(), goldenLogits.data<float>().ToArray());
    }

    /// <summary>
    /// Minibatch Adam on cross-entropy. Where <paramref name="noisy"/> marks a row, the loss is forward
    /// corrected: the model's class probabilities p are mapped through the noise model to the
    /// probabilities of each given label, q = p T^T, and the given label's -log q is minimised, so the
    /// model learns the true classes behind the labels.
    /// </summary>
    private static Sequential Train(Tensor x, Tensor y, Tensor? noisy, Tensor? transition, int classes, int epochs, int batchSize, int seed)
    {
        manual_seed(seed);
        var model = Sequential(
            ("inputDropout", Dropout(0.1)),
            ("hidden", Linear(x.shape[1], HiddenUnits)),
            ("relu", ReLU()),
            ("hiddenDropout", Dropout(0.3)),
            ("logits", Linear(HiddenUnits, classes)));
        using var optimizer = new HeldAdam(model.parameters(), 1e-3);
        using var generator = new Generator((ulong)seed);
        var rows = x.shape[0];
        model.train();
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            using var order = randperm(rows, generator: generator);
            for (long start = 0; start < rows; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var batch = order.narrow(0, start, Math.Min(batchSize, rows - start));
                var output = model.call(x.index_select(0, batch));
                var labels = y.index_select(0, batch);
                var loss = functional.cross_entropy(output, labels, reduction: Reduction.None);
                if (noisy is not null && transition is not null)
                {
                    var givenProbabilities = functional.softmax(output, 1).matmul(transition.t()).clamp_min(Held(1e-12));
                    var corrected = functional.nll_loss(givenProbabilities.log(), labels, reduction: Reduction.None);
                    loss = where(noisy.index_select(0, batch), corrected, loss);
                }
                optimizer.Step(loss.mean());
            }
        }
        model.eval();
        return model;
    }

    private static (Tensor Train, Tensor Test) Split(int[] folds, int k) =>
        (tensor(Enumerable.Range(0, folds.Length).Where(r => folds[r] != k).Select(r => (long)r).ToArray()),
         tensor(Enumerable.Range(0, folds.Length).Where(r => folds[r] == k).Select(r => (long)r).ToArray()));

    /// <summary>The fold models, the golden set's principal components, and the golden rows' out-of-sample scores.</summary>
    private sealed class GoldenModels(List<Sequential> models, PrincipalComponents projection, float[] goldenLogits, float[] goldenProjected, int classes) : IGoldenModels
    {
        public float[] GoldenLogits => goldenLogits;
        public float[] GoldenProjected => goldenProjected;
        public int Components => projection.Components;

        public (float[] MeanLogits, float[] SingleLogits, float[] Projected) Score(float[] rows, int count, int firstRow)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var x = tensor(rows.AsSpan(0, count * projection.Dimension).ToArray(), [count, projection.Dimension]);
            var logits = stack(models.Select(m => m.call(x)).ToList());
            // Row r is scored alone by fold model (firstRow + r) mod K, which never saw it (no model saw a training row).
            var assigned = tensor(Enumerable.Range(firstRow, count).Select(r => (long)(r % models.Count)).ToArray());
            var single = logits.permute(1, 0, 2).gather(1, assigned.view(-1, 1, 1).expand(-1, 1, classes)).squeeze(1);
            return (logits.mean([0]).data<float>().ToArray(), single.data<float>().ToArray(), projection.Project(x).data<float>().ToArray());
        }

        public void Dispose()
        {
            foreach (var model in models) model.Dispose();
            projection.Dispose();
        }
    }
}
