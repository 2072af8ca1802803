using System.Diagnostics;
using SecMLOps.Gates.Robustness.Attacks;
using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Gate;

/// <summary>What one attack at one strength did: which samples it broke, of those it attacked.</summary>
/// <param name="Broken">Per sample of the evaluation set: broken by this attack (a sample misclassified clean is never counted).</param>
/// <param name="FlippedLinf">Minimal-perturbation attacks: the size of each perturbation that changed the prediction (L-inf, in units of the range).</param>
/// <param name="FlippedL2">The same perturbations' L2 sizes.</param>
/// <param name="Seconds">Wall time of the attack and of judging its results.</param>
/// <param name="ProbeSurvivors">For the masking probe: how many survivors its sample was drawn from.</param>
public sealed record AttackResult(PlannedAttack Attack, bool[] Broken, int Attacked, float[] FlippedLinf, float[] FlippedL2, double Seconds, int? ProbeSurvivors = null)
{
    public int BrokenCount => Broken.Count(b => b);

    public double? MedianLinf => Median(FlippedLinf);

    public double? MedianL2 => Median(FlippedL2);

    /// <summary>For a masking probe that ran on fewer than all survivors: how many it was drawn from.</summary>
    public int? ProbedFrom => ProbeSurvivors is { } survivors && Attacked < survivors ? survivors : null;

    private static double? Median(float[] values) => values.Length == 0 ? null : values.Order().ElementAt(values.Length / 2);
}

/// <summary>
/// The evaluation set, the model's clean predictions and the attack targets, shared by every check
/// of one rule: runs an attack over the samples of its share in batches, one atom a batch (with
/// progress), and decides, on the model's reference runtime, which samples it broke. Before each
/// batch the generator and libtorch's own (a randomised model's) are seeded from the rule's seed,
/// the atom and the attack, so a sample's fate depends on its atom alone (<see cref="SampleAtoms"/>).
/// </summary>
internal sealed class AttackSession(ModelUnderTest model, EvaluationSet set, bool[] cleanCorrect, double low, double high, int batchSize, Generator generator, int gradientSamples,
    Action<string> progress, SampleAtoms atoms, IReadOnlySet<int> share, int seed)
{
    public ModelUnderTest Model => model;
    public int Count => cleanCorrect.Length;
    public bool[] CleanCorrect => cleanCorrect;
    public double Low => low;
    public double High => high;
    public int BatchSize => batchSize;

    public SampleAtoms Atoms => atoms;

    /// <summary>Whether the sample's atom is in this run's share.</summary>
    public bool InShare(int sample) => share.Contains(atoms.AtomOf(sample));

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
        foreach (var (indices, x, y) in Batches(samples, planned.Subject, label))
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
        var result = new AttackResult(planned, broken, samples.Count, linf.ToArray(), l2.ToArray(), watch.Elapsed.TotalSeconds);
        progress($"{label}: broke {result.BrokenCount} of {samples.Count} in {result.Seconds:0.0} s");
        return result;
    }

    /// <summary>Fails closed: a non-finite adversarial input could be judged robust by mistake.</summary>
    private static Tensor Finite(Tensor adversarial, string attack) =>
        adversarial.isfinite().all().item<bool>() ? adversarial
        : throw new InvalidOperationException($"the attack {attack} produced non-finite inputs; its results cannot be trusted");

    /// <summary>
    /// The given samples in batches on the model's device, one atom a batch, each batch's temporaries
    /// freed when it is done; <paramref name="stream"/> names the check, so that each draws its own noise.
    /// </summary>
    public IEnumerable<(int[] Indices, Tensor X, Tensor Y)> Batches(IReadOnlyList<int> samples, string stream, string label, bool report = true)
    {
        var watch = Stopwatch.StartNew();
        var batches = samples.GroupBy(atoms.AtomOf).OrderBy(g => g.Key).ToList();
        var total = batches.Count;
        var done = 0;
        for (var index = 0; index < total; index++)
        {
            var indices = batches[index].Order().ToArray();
            SampleAtoms.Seed(generator, seed, batches[index].Key, stream);
            using var scope = NewDisposeScope();
            var rows = tensor(indices.Select(i => (long)i).ToArray());
            yield return (indices, set.Inputs.index_select(0, rows).to(model.Device), set.Labels.index_select(0, rows).to(model.Device));
            done += indices.Length;
            if (!report) continue;
            var rate = done / Math.Max(watch.Elapsed.TotalSeconds, 1e-9);
            progress($"{label}: batch {index + 1}/{total}, {rate:0.0} samples/s, ETA {(samples.Count - done) / rate:0} s");
        }
    }
}
