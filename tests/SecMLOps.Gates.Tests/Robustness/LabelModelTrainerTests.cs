using SecMLOps.Gates.Poisoning;
using SecMLOps.Gates.Robustness.Learning;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Robustness;

[Collection(LibTorchCollection.Name)]
public sealed class LabelModelTrainerTests
{
    /// <summary>
    /// Three separable classes: the golden models learn them and the noise-corrected cross-validation runs, while another thread collects garbage
    /// and runs finalizers the whole time. An optimizer that hands libtorch Scalars the finalizer may
    /// free crashes here in Scalar::toFloat instead of training; every tensor is made inside a dispose scope.
    /// </summary>
    [Trait("Layer", "slow")]
    [Fact]
    public async Task Golden_models_train_while_the_garbage_collector_runs_finalizers()
    {
        const int rows = 900, dimension = 20, classes = 3;
        var random = new Random(5);
        var labels = Enumerable.Range(0, rows).Select(i => i % classes).ToArray();
        var features = new float[rows * dimension];
        for (var r = 0; r < rows; r++)
            for (var d = 0; d < dimension; d++)
                features[r * dimension + d] = (float)(random.NextDouble() - 0.5 + (d % classes == labels[r] ? 2 : 0));

        await using (new FinalizerPressure())
        {
            for (var seed = 0; seed < 3; seed++)
            {
                var before = FinalizerPressure.TensorsMadeOutsideScopes;
                using var golden = new TorchLabelModelTrainer().TrainGolden(features, labels, dimension, new LabelModelOptions(classes, 3, 10, seed));
                Assert.Equal(0, FinalizerPressure.TensorsMadeOutsideScopes - before);
                var predicted = Enumerable.Range(0, rows).Select(r => Enumerable.Range(0, classes).MaxBy(c => golden.GoldenLogits[r * classes + c])).ToArray();
                Assert.True(predicted.Zip(labels).Count(p => p.First == p.Second) > 0.95 * rows);
            }
            var identity = new double[classes, classes];
            for (var c = 0; c < classes; c++) identity[c, c] = 1;
            var beforeCrossValidation = FinalizerPressure.TensorsMadeOutsideScopes;
            var (trainingLogits, _) = new TorchLabelModelTrainer().CrossValidate(features, labels, features, labels, dimension, identity, new LabelModelOptions(classes, 3, 10, 0));
            Assert.Equal(0, FinalizerPressure.TensorsMadeOutsideScopes - beforeCrossValidation);
            Assert.Equal(rows * classes, trainingLogits.Length);
        }
    }
}
