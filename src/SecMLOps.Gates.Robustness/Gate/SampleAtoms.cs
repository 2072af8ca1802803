using System.Security.Cryptography;
using System.Text;
using SecMLOps.Gates.Engine;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Gate;

/// <summary>
/// The evaluation set cut into atoms of one batch each, fixed by the labels alone: samples are laid
/// out label by label in proportion (each label's k-th sample at (k + 1/2) / its count) and cut into
/// consecutive batches, so every atom holds about the set's mix of labels. Every attack batch lies
/// inside one atom and draws its noise from a generator seeded by the rule's seed, the atom and the
/// attack (<see cref="AttackSession"/>), so what happens to a sample depends on its atom alone: a
/// shard that evaluates some atoms finds for them exactly what one run over all of them finds.
/// </summary>
internal sealed class SampleAtoms
{
    private readonly int[] _atomOf;

    public SampleAtoms(long[] labels, int size)
    {
        var counts = labels.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        var seen = new Dictionary<long, int>();
        var order = labels.Select((label, sample) =>
            {
                var rank = seen.GetValueOrDefault(label);
                seen[label] = rank + 1;
                return (Position: (rank + 0.5) / counts[label], Label: label, Sample: sample);
            })
            .OrderBy(s => s.Position).ThenBy(s => s.Label).ThenBy(s => s.Sample)
            .Select(s => s.Sample).ToList();
        _atomOf = new int[labels.Length];
        for (var position = 0; position < order.Count; position++)
            _atomOf[order[position]] = position / size;
        Count = (labels.Length + size - 1) / size;
    }

    public int Count { get; }

    public int AtomOf(int sample) => _atomOf[sample];

    /// <summary>The atoms a shard evaluates: every Count-th from its index.</summary>
    public IReadOnlySet<int> Of(Shard shard) => shard.Of(Count).ToHashSet();

    /// <summary>
    /// Seeds the attack's generator, and libtorch's own (a randomised model's), for one batch of one
    /// atom: from the rule's seed, the atom and the check (<paramref name="stream"/>), whatever ran before.
    /// </summary>
    public static void Seed(Generator generator, int seed, int atom, string stream)
    {
        var value = BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}/{atom}/{stream}"))) & long.MaxValue;
        generator.manual_seed(value);
        manual_seed(value);
    }
}
