using System.Diagnostics;
using SecMLOps.Gates.Robustness.Attacks;
using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Gate;

/// <summary>What one attack at one strength did: which samples it broke, of those it attacked.</summary>
/// <param name="Broken">Per sample of the evaluation set: broken by this attack (a sample misclassified clean is never counted).</param>
/// <param name="Seconds">Wall time of the attack and of judging its results.</param>
/// <param name="ProbedFrom">For a masking probe run on a sample: how many samples it was drawn from.</param>
public sealed record AttackResult(PlannedAttack Attack, bool[] Broken, int Attacked, double? MedianLinf, double? MedianL2, double Seconds, int? ProbedFrom = null)
{
    public int BrokenCount => Broken.Count(b => b);
}

/// <summary>
/// The evaluation set, the model's clean predictions and the attack targets, shared by every check
/// of one rule: runs an attack over a set of samples in batches (with progress) and decides, on the
/// model's reference runtime, which samples it broke. One generator serves the whole rule.
/// </summary>
internal sealed class AttackSession(ModelUnderTest model, EvaluationSet set, bool[] cleanCorrect, double low, double high, int batchSize, Generator generator, int gradientSamples, Action<string> progress)
{
    public ModelUnderTest Model => model;
    public int Count => cleanCorrect.Length;
    public bool[] CleanCorrect => cleanCorrect;
    public double Low => low;
    public double High => high;
    public int BatchSize => batchSize;

    /// <summary>A line of progress (standard error, the MSBuild log), beside the attacks' own.</summary>
    public void Progress(string message) => progress(message);

    public AttackTarget WhiteBox { get; } = model.WhiteBoxTarget(low, high, generator, gradientSamples);
    public AttackTarget BlackBox { get; } = model.BlackBoxTarget(low, high, generator);

    /// <summary>
    /// Runs the attack on the given samples; a sample counts as broken when it was classified right and
    /// the attacked point is not. <paramref name="position"/> (e.g. "attack 2 of 5") prefixes its progress.
    /// </summary>
    public AttackResult Run(PlannedAttack planned, IReadOnlyList<int> samples, string? position = null)
    {
        var watch = Stopwatch.StartNew();
        var attack = planned.Create();
        var target = attack.WhiteBox ? WhiteBox : BlackBox;
        var broken = new bool[Count];
        var (linf, l2) = (new List<float>(), new List<float>());
        var label = position is null ? planned.Subject : $"{position}, {planned.Subject}";
        foreach (var (indices, x, y) in Batches(samples, label))
        {
            var adversarial = Finite(attack.Run(target, x, y), planned.Subject);
            var judged = Finite(attack.WithinBudget(target, x, adversarial, planned.Eps), planned.Subject);
            var wrong = model.Predict(judged, batchSize).ne(y.cpu()).data<bool>().ToArray();
            for (var j = 0; j < indices.Length; j++)
                broken[indices[j]] = wrong[j] && cleanCorrect[indices[j]];
            if (!attack.MeasuresMinimalPerturbation)
                continue;
            var flipped = model.Predict(adversarial, batchSize).ne(y.cpu());
            var delta = (adversarial - x).flatten(1).cpu().div(Held(high - low));
            linf.AddRange(delta.abs().amax([1])[flipped].data<float>().ToArray());
            l2.AddRange(delta.norm(1, keepdim: false)[flipped].data<float>().ToArray());
        }
        var result = new AttackResult(planned, broken, samples.Count, Median(linf), Median(l2), watch.Elapsed.TotalSeconds);
        progress($"{label}: broke {result.BrokenCount} of {samples.Count} in {result.Seconds:0.0} s");
        return result;
    }

    /// <summary>Fails closed: a non-finite adversarial input could be judged robust by mistake.</summary>
    private static Tensor Finite(Tensor adversarial, string attack) =>
        adversarial.isfinite().all().item<bool>() ? adversarial
        : throw new InvalidOperationException($"the attack {attack} produced non-finite inputs; its results cannot be trusted");

    private static double? Median(List<float> values) => values.Count == 0 ? null : values.Order().ElementAt(values.Count / 2);

    /// <summary>The given samples in batches on the model's device, each batch's temporaries freed when it is done.</summary>
    public IEnumerable<(int[] Indices, Tensor X, Tensor Y)> Batches(IReadOnlyList<int> samples, string label, bool report = true)
    {
        var watch = Stopwatch.StartNew();
        var total = (samples.Count + batchSize - 1) / batchSize;
        for (var index = 0; index < total; index++)
        {
            var indices = samples.Skip(index * batchSize).Take(batchSize).ToArray();
            using var scope = NewDisposeScope();
            var rows = tensor(indices.Select(i => (long)i).ToArray());
            yield return (indices, set.Inputs.index_select(0, rows).to(model.Device), set.Labels.index_select(0, rows).to(model.Device));
            if (!report) continue;
            var done = Math.Min((index + 1) * batchSize, samples.Count);
            var rate = done / Math.Max(watch.Elapsed.TotalSeconds, 1e-9);
            progress($"{label}: batch {index + 1}/{total}, {rate:0.0} samples/s, ETA {(samples.Count - done) / rate:0} s");
        }
    }
}
