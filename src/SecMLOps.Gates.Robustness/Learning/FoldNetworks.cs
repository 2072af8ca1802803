using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SecMLOps.Gates.Robustness.Learning;

/// <summary>
/// The K networks of a K-fold cross-validation trained side by side: one-hidden-layer networks
/// (dropout 0.1 on the inputs, 512 ReLU units, dropout 0.3), their weights stacked on a leading fold
/// axis, every step feeding each network a batch of its own rows. One batched matrix product per layer
/// does the work of K small ones, whose steps cost more in dispatch than in arithmetic. The summed loss
/// gives each network the gradient of its own batch's mean loss and Adam is elementwise, so each trains
/// as it would alone: from its own initial weights, on its own rows in its own seeded order, with the
/// same number of steps per epoch as every other fold (batches within one row of each other in size).
/// </summary>
internal sealed class FoldNetworks : IDisposable
{
    private const int HiddenUnits = 512;
    private const double InputDropout = 0.1, HiddenDropout = 0.3, LearningRate = 1e-3;

    // [K, inputs, hidden], [K, 1, hidden], [K, hidden, classes], [K, 1, classes]
    private readonly Tensor[] _parameters;

    private FoldNetworks(int[] seeds, long inputs, int classes)
    {
        // Each network starts as torch's Linear layers do: weights and biases uniform within 1/sqrt(fan-in), from its own seed.
        using var scope = NewDisposeScope();
        var generators = seeds.Select(s => new Generator((ulong)s)).ToArray();
        Tensor Stacked(long fanIn, long rows, long columns) =>
            stack(generators.Select(g => empty(rows, columns).uniform_(-1 / Math.Sqrt(fanIn), 1 / Math.Sqrt(fanIn), g)).ToList());
        var layers = new[] { Stacked(inputs, inputs, HiddenUnits), Stacked(inputs, 1, HiddenUnits), Stacked(HiddenUnits, HiddenUnits, classes), Stacked(HiddenUnits, 1, classes) };
        _parameters = layers.Select(p => p.requires_grad_(true).DetachFromDisposeScope()).ToArray();
        foreach (var generator in generators) generator.Dispose();
    }

    public int Folds => (int)_parameters[0].shape[0];

    /// <summary>
    /// Trains one network per entry of <paramref name="trainingRows"/> (the rows of <paramref name="x"/>
    /// it learns from) by minibatch Adam on cross-entropy. Where <paramref name="noisy"/> marks a row,
    /// the loss is forward corrected: the class probabilities p are mapped through the noise model to
    /// the probabilities of each given label, q = p T^T, and the given label's -log q is minimised, so
    /// the network learns the true classes behind the labels.
    /// </summary>
    public static FoldNetworks Train(Tensor x, Tensor y, Tensor? noisy, Tensor? transition, int[][] trainingRows, int classes, int epochs, int batchSize, int[] seeds)
    {
        var networks = new FoldNetworks(seeds, x.shape[1], classes);
        using var optimizer = new HeldAdam(networks._parameters, LearningRate);
        manual_seed(seeds[0]);
        var shufflers = seeds.Select(s => new Random(s)).ToArray();
        var folds = trainingRows.Length;
        var steps = (trainingRows.Max(r => r.Length) + batchSize - 1) / batchSize;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            var orders = trainingRows.Select((rows, k) =>
            {
                var order = (int[])rows.Clone();
                shufflers[k].Shuffle(order);
                return order;
            }).ToArray();
            for (var step = 0; step < steps; step++)
            {
                using var scope = NewDisposeScope();
                // Fold k's step takes the step-th of `steps` near-equal slices of its order; shorter slices are padded with weight 0.
                var slices = orders.Select(o => (Start: step * o.Length / steps, End: (step + 1) * o.Length / steps)).ToArray();
                var width = slices.Max(s => s.End - s.Start);
                var index = new long[folds * width];
                var weight = new float[folds * width];
                for (var k = 0; k < folds; k++)
                    for (var i = slices[k].Start; i < slices[k].End; i++)
                    {
                        index[k * width + i - slices[k].Start] = orders[k][i];
                        weight[k * width + i - slices[k].Start] = 1;
                    }
                var batch = tensor(index);
                var output = Forward(x.index_select(0, batch).view(folds, width, -1), networks._parameters, training: true).view(folds * width, classes);
                var labels = y.index_select(0, batch);
                var loss = functional.cross_entropy(output, labels, reduction: Reduction.None);
                if (noisy is not null && transition is not null)
                {
                    var givenProbabilities = functional.softmax(output, 1).matmul(transition.t()).clamp_min(Held(1e-12));
                    var corrected = functional.nll_loss(givenProbabilities.log(), labels, reduction: Reduction.None);
                    loss = where(noisy.index_select(0, batch), corrected, loss);
                }
                var weights = tensor(weight, [folds, width]);
                optimizer.Step(loss.view(folds, width).mul(weights).sum(1).div(weights.sum(1)).sum());
            }
        }
        return networks;
    }

    /// <summary>Every network's logits for every row: folds x rows x classes.</summary>
    public Tensor Logits(Tensor x)
    {
        using var _ = no_grad();
        return Forward(x.unsqueeze(0).expand(Folds, -1, -1), _parameters, training: false);
    }

    /// <summary>Each row's logits from the one network that did not train on it (the network of the row's fold).</summary>
    public Tensor OutOfFold(Tensor x, int[] folds)
    {
        using var _ = no_grad();
        var logits = zeros(x.shape[0], _parameters[3].shape[2]);
        for (var k = 0; k < Folds; k++)
        {
            // Each fold's activations are freed before the next fold's are made.
            using var scope = NewDisposeScope();
            var rows = tensor(Enumerable.Range(0, folds.Length).Where(r => folds[r] == k).Select(r => (long)r).ToArray());
            var own = _parameters.Select(p => p.narrow(0, k, 1)).ToArray();
            logits.index_copy_(0, rows, Forward(x.index_select(0, rows).unsqueeze(0), own, training: false).squeeze(0));
        }
        return logits;
    }

    private static Tensor Forward(Tensor x, Tensor[] parameters, bool training)
    {
        var hidden = functional.dropout(x, InputDropout, training).bmm(parameters[0]).Plus(parameters[1]).relu();
        return functional.dropout(hidden, HiddenDropout, training).bmm(parameters[2]).Plus(parameters[3]);
    }

    public void Dispose()
    {
        foreach (var parameter in _parameters) parameter.Dispose();
    }
}
