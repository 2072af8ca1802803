namespace SecMLOps.Gates.Poisoning;

/// <param name="Classes">Classes the labels take (0 to Classes - 1).</param>
/// <param name="Folds">K of the K-fold cross-validations.</param>
/// <param name="Components">Principal components of the golden set the networks read (trees read every feature).</param>
/// <param name="Seed">Seeds the folds, the initial weights and the batches.</param>
public sealed record LabelModelOptions(int Classes, int Folds, int Components, int Seed);

/// <summary>
/// What the golden set alone teaches: classifiers trained by K-fold within it (so every golden row
/// has an out-of-sample score), and the golden set's principal components, which training rows are
/// projected onto as they stream past.
/// </summary>
public interface IGoldenModels : IDisposable
{
    /// <summary>Out-of-sample logits of every golden row (rows x classes, row-major).</summary>
    float[] GoldenLogits { get; }

    /// <summary>The golden rows projected on the principal components (rows x components).</summary>
    float[] GoldenProjected { get; }

    int Components { get; }

    /// <summary>
    /// Scores a batch of training rows: the mean logits of the fold models, the logits of the one
    /// fold model each row is assigned (row number mod K: a model that never saw the row, as for the
    /// golden rows), and the rows' projection.
    /// </summary>
    (float[] MeanLogits, float[] SingleLogits, float[] Projected) Score(float[] rows, int count, int firstRow);
}

/// <summary>
/// Trains the classifiers the label check learns from; a front end with the runtimes provides them
/// (the CLI's: a TorchSharp network and ML.NET's LightGBM trees). Rows are features as the gate
/// prepared them: a table standardised per column (<see cref="TableScale"/>), pixels or logits by one affine map.
/// </summary>
public interface ILabelModelTrainer
{
    LabelClassifier Classifier { get; }

    IGoldenModels TrainGolden(float[] features, int[] labels, int dimension, LabelModelOptions options);

    /// <summary>
    /// K-fold cross-validation over the (projected) training rows: each fold's model trains on the
    /// other folds' training rows and on the golden rows not in the same fold, so every training and
    /// golden row gets an out-of-sample score. On training rows the loss is forward-corrected by
    /// <paramref name="transition"/> (P(given label i | true class k) at [i, k]); golden rows use plain cross-entropy.
    /// </summary>
    (float[] TrainingLogits, float[] GoldenLogits) CrossValidate(float[] training, int[] given, float[] golden, int[] goldenLabels, int dimension,
        double[,] transition, LabelModelOptions options);
}

/// <summary>Each row's fold in a K-fold cross-validation: a seeded permutation dealt round-robin, so folds differ in size by at most one.</summary>
public static class CrossValidationFolds
{
    public static int[] Assign(int rows, int folds, int seed)
    {
        var order = Enumerable.Range(0, rows).ToArray();
        new Random(seed).Shuffle(order);
        var fold = new int[rows];
        for (var i = 0; i < rows; i++) fold[order[i]] = i % folds;
        return fold;
    }
}
