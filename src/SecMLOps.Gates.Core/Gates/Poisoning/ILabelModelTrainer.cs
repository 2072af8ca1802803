namespace SecMLOps.Gates.Gates.Poisoning;

/// <param name="Classes">Classes the labels take (0 to Classes - 1).</param>
/// <param name="Folds">K of the K-fold cross-validations.</param>
/// <param name="Components">Principal components of the golden set the cross-validated model reads.</param>
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
/// Trains the classifiers the label check learns from; a front end with a tensor runtime provides it
/// (the CLI's is TorchSharp's). Rows are features scaled to [0, 1].
/// </summary>
public interface ILabelModelTrainer
{
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
