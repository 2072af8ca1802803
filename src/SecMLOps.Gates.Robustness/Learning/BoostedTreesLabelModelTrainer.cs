using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;
using SecMLOps.Gates.Poisoning;

namespace SecMLOps.Gates.Robustness.Learning;

/// <summary>
/// The label check's classifiers for tables: gradient-boosted decision trees (ML.NET's LightGBM,
/// multiclass softmax). Trees read each column on its own scale and split on it wherever it
/// matters, which suits columns of different kinds; the gate still standardises them, so the
/// same rows serve either family. One thread and a fixed seed: the same inputs give the same trees
/// on every machine. The logits returned are log-probabilities (a softmax of them gives back the
/// trees' probabilities; the check calibrates their temperature on the golden set).
/// </summary>
public sealed class BoostedTreesLabelModelTrainer : ILabelModelTrainer
{
    private const int Iterations = 200;
    private const double LearningRate = 0.05;
    private const int Leaves = 15;
    private const int MinRowsPerLeaf = 20;
    private const float SmallestProbability = 1e-6f;

    public LabelClassifier Classifier => LabelClassifier.BoostedTrees;

    public IGoldenModels TrainGolden(float[] features, int[] labels, int dimension, LabelModelOptions options)
    {
        var rows = labels.Length;
        var folds = CrossValidationFolds.Assign(rows, options.Folds, options.Seed + 7);
        var goldenLogits = new float[rows * options.Classes];
        var models = new List<TreeModel>();
        for (var k = 0; k < options.Folds; k++)
        {
            var (train, test) = Split(folds, k);
            var model = TreeModel.Train(Rows(features, dimension, train), Rows(labels, train), dimension, options.Classes, options.Seed * 100 + 50 + k);
            Scatter(model.Probabilities(Rows(features, dimension, test), test.Length), test, goldenLogits, options.Classes);
            models.Add(model);
        }
        return new GoldenModels(models, goldenLogits, features, dimension, options.Classes);
    }

    /// <summary>
    /// Each fold's trees learn the given labels of the other folds' training rows and the true labels of
    /// the golden rows not in the same fold. Trees take no custom loss, so the noise model is applied
    /// after the fact (backward correction): the trees estimate P(given label | x) = T P(class | x), and
    /// the class probabilities are recovered as T^-1 times them, clipped at zero and renormalised.
    /// </summary>
    public (float[] TrainingLogits, float[] GoldenLogits) CrossValidate(float[] training, int[] given, float[] golden, int[] goldenLabels, int dimension,
        double[,] transition, LabelModelOptions options)
    {
        var (rows, goldenRows, classes) = (given.Length, goldenLabels.Length, options.Classes);
        var (trainingFolds, goldenFolds) = (CrossValidationFolds.Assign(rows, options.Folds, options.Seed), CrossValidationFolds.Assign(goldenRows, options.Folds, options.Seed + 1));
        var inverse = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(transition).PseudoInverse();
        var (trainingLogits, goldenLogits) = (new float[rows * classes], new float[goldenRows * classes]);
        for (var k = 0; k < options.Folds; k++)
        {
            var (trainRows, testRows) = Split(trainingFolds, k);
            var (trainGolden, testGolden) = Split(goldenFolds, k);
            var model = TreeModel.Train([.. Rows(training, dimension, trainRows), .. Rows(golden, dimension, trainGolden)],
                [.. Rows(given, trainRows), .. Rows(goldenLabels, trainGolden)], dimension, classes, options.Seed * 100 + k);
            Scatter(Corrected(model.Probabilities(Rows(training, dimension, testRows), testRows.Length), inverse, classes), testRows, trainingLogits, classes);
            Scatter(Corrected(model.Probabilities(Rows(golden, dimension, testGolden), testGolden.Length), inverse, classes), testGolden, goldenLogits, classes);
        }
        return (trainingLogits, goldenLogits);
    }

    private static float[] Corrected(float[] noisy, MathNet.Numerics.LinearAlgebra.Matrix<double> inverse, int classes)
    {
        var clean = new float[noisy.Length];
        for (var r = 0; r < noisy.Length / classes; r++)
        {
            double sum = 0;
            for (var k = 0; k < classes; k++)
            {
                double value = 0;
                for (var i = 0; i < classes; i++) value += inverse[k, i] * noisy[r * classes + i];
                sum += clean[r * classes + k] = (float)Math.Max(value, 0);
            }
            for (var k = 0; k < classes; k++)
                clean[r * classes + k] = sum > 0 ? clean[r * classes + k] / (float)sum : noisy[r * classes + k];
        }
        return clean;
    }

    /// <summary>Writes probabilities of the listed rows, as log-probabilities, into their places in <paramref name="target"/>.</summary>
    private static void Scatter(float[] probabilities, int[] rows, float[] target, int classes)
    {
        for (var r = 0; r < rows.Length; r++)
            for (var k = 0; k < classes; k++)
                target[rows[r] * classes + k] = MathF.Log(Math.Max(probabilities[r * classes + k], SmallestProbability));
    }

    private static (int[] Train, int[] Test) Split(int[] folds, int k) =>
        (Enumerable.Range(0, folds.Length).Where(r => folds[r] != k).ToArray(), Enumerable.Range(0, folds.Length).Where(r => folds[r] == k).ToArray());

    private static float[] Rows(float[] values, int dimension, int[] rows)
    {
        var selected = new float[rows.Length * dimension];
        for (var r = 0; r < rows.Length; r++)
            Array.Copy(values, rows[r] * dimension, selected, r * dimension, dimension);
        return selected;
    }

    private static int[] Rows(int[] values, int[] rows) => rows.Select(r => values[r]).ToArray();

    /// <summary>One fitted LightGBM multiclass model.</summary>
    private sealed class TreeModel
    {
        private readonly MLContext _context;
        private readonly ITransformer _model;
        private readonly SchemaDefinition _schema;
        private readonly int _classes;

        private TreeModel(MLContext context, ITransformer model, SchemaDefinition schema, int classes) =>
            (_context, _model, _schema, _classes) = (context, model, schema, classes);

        public static TreeModel Train(float[] features, int[] labels, int dimension, int classes, int seed)
        {
            var context = new MLContext(seed);
            var schema = SchemaDefinition.Create(typeof(TableRow));
            schema[nameof(TableRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, dimension);
            var data = context.Data.LoadFromEnumerable(Table(features, labels, dimension), schema);
            // Every class is a key, in class order, even one a fold lacks: the score's slot k is class k.
            var everyClass = context.Data.LoadFromEnumerable(Enumerable.Range(0, classes).Select(c => new ClassRow { Label = (uint)c }));
            var toKey = context.Transforms.Conversion.MapValueToKey(KeyColumn, nameof(TableRow.Label),
                keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue, keyData: everyClass);
            var trainer = toKey.Append(context.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options
            {
                LabelColumnName = KeyColumn,
                FeatureColumnName = nameof(TableRow.Features),
                NumberOfIterations = Iterations,
                LearningRate = LearningRate,
                NumberOfLeaves = Leaves,
                MinimumExampleCountPerLeaf = MinRowsPerLeaf,
                NumberOfThreads = 1,
                Seed = seed,
                UseSoftmax = true,
                Silent = true,
                Booster = new GradientBooster.Options { L2Regularization = 1, FeatureFraction = 0.8, SubsampleFraction = 0.8, SubsampleFrequency = 1 },
            }));
            return new TreeModel(context, trainer.Fit(data), schema, classes);
        }

        /// <summary>Class probabilities of each row (rows x classes, row-major).</summary>
        public float[] Probabilities(float[] features, int count)
        {
            var dimension = features.Length / Math.Max(count, 1);
            var data = _context.Data.LoadFromEnumerable(Table(features, new int[count], dimension), _schema);
            var probabilities = new float[count * _classes];
            var row = 0;
            foreach (var score in _model.Transform(data).GetColumn<VBuffer<float>>("Score"))
            {
                var values = score.DenseValues().ToArray();
                if (values.Length != _classes)
                    throw new InvalidOperationException($"LightGBM scored {values.Length} classes, expected {_classes}");
                values.CopyTo(probabilities, row++ * _classes);
            }
            return probabilities;
        }

        private static IEnumerable<TableRow> Table(float[] features, int[] labels, int dimension) =>
            labels.Select((label, r) => new TableRow { Features = features[(r * dimension)..((r + 1) * dimension)], Label = (uint)label });
    }

    private const string KeyColumn = "LabelKey";

    private sealed class TableRow
    {
        public float[] Features { get; set; } = [];

        public uint Label { get; set; }
    }

    private sealed class ClassRow
    {
        public uint Label { get; set; }
    }

    /// <summary>The fold models trained on golden rows, and the golden rows' out-of-sample scores. Features pass through unprojected.</summary>
    private sealed class GoldenModels(List<TreeModel> models, float[] goldenLogits, float[] goldenFeatures, int dimension, int classes) : IGoldenModels
    {
        public float[] GoldenLogits => goldenLogits;
        public float[] GoldenProjected => goldenFeatures;
        public int Components => dimension;

        public (float[] MeanLogits, float[] SingleLogits, float[] Projected) Score(float[] rows, int count, int firstRow)
        {
            var features = rows[..(count * dimension)];
            var byModel = models.Select(m => m.Probabilities(features, count)).ToList();
            var (mean, single) = (new float[count * classes], new float[count * classes]);
            for (var r = 0; r < count; r++)
            {
                // Row r is scored alone by fold model (firstRow + r) mod K, as the network's golden models do.
                var assigned = byModel[(firstRow + r) % models.Count];
                for (var k = 0; k < classes; k++)
                {
                    var i = r * classes + k;
                    mean[i] = MathF.Log(Math.Max(byModel.Average(p => p[i]), SmallestProbability));
                    single[i] = MathF.Log(Math.Max(assigned[i], SmallestProbability));
                }
            }
            return (mean, single, features);
        }

        public void Dispose()
        {
        }
    }
}
