using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Robustness.Attacks;
using SecMLOps.Gates.Robustness.Gate;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>
/// How a robustness rule's samples are split for shards: atoms fixed by the labels alone, each about
/// the set's mix of labels (a data set sorted by label still gives every shard every label), every
/// atom in exactly one shard whatever the count; and parts that do not make up one evaluation are
/// refused, never combined.
/// </summary>
public sealed class SampleAtomsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(40)]
    public void Every_atom_falls_to_exactly_one_shard(int count)
    {
        var atoms = new SampleAtoms([.. Enumerable.Range(0, 1000).Select(i => (long)(i % 10))], 64);

        var shares = Enumerable.Range(1, count).Select(i => atoms.Of(new Shard(i, count))).ToList();

        Assert.Equal(16, atoms.Count);
        Assert.Equal(Enumerable.Range(0, 16), shares.SelectMany(s => s).Order());
    }

    [Fact]
    public void A_set_sorted_by_label_gives_every_atom_each_label_in_proportion()
    {
        // 600 of label 0, 300 of label 1, 100 of label 2, in that order.
        long[] labels = [.. Enumerable.Repeat(0L, 600), .. Enumerable.Repeat(1L, 300), .. Enumerable.Repeat(2L, 100)];
        var atoms = new SampleAtoms(labels, 100);

        foreach (var atom in Enumerable.Range(0, atoms.Count))
        {
            var members = Enumerable.Range(0, labels.Length).Where(i => atoms.AtomOf(i) == atom).Select(i => labels[i]).ToList();
            Assert.Equal(100, members.Count);
            Assert.InRange(members.Count(l => l == 0), 59, 61);
            Assert.InRange(members.Count(l => l == 1), 29, 31);
            Assert.InRange(members.Count(l => l == 2), 9, 11);
        }
    }

    [Fact]
    public void The_atoms_depend_on_the_labels_and_the_batch_size_alone()
    {
        long[] labels = [.. Enumerable.Range(0, 300).Select(i => (long)(i * 7 % 3))];

        var once = new SampleAtoms(labels, 32);
        var again = new SampleAtoms(labels, 32);

        Assert.Equal(Enumerable.Range(0, 300).Select(once.AtomOf), Enumerable.Range(0, 300).Select(again.AtomOf));
        Assert.Equal(10, once.Count);
    }

    private static RobustnessPart Part(int[] share, int[] broken, bool[]? clean = null) => new(4, share, clean ?? [true, true, true, true, true, true, true, true], 1, 1,
        [new ZeroGradientCount(AttackLoss.Margin, 0, share.Length * 2)],
        [new StrengthPart(0.1, [new AttackPart("pgd/eps=0.1", broken, share.Length * 2, [], [], 1, null)])], [], []);

    [Fact]
    public void Parts_covering_every_atom_once_combine_into_the_whole()
    {
        var whole = RobustnessPart.Combine([Part([0, 2], [0, 5]), Part([1, 3], [2])], new SourceLocation("policy.yaml", 3, 5));

        Assert.Equal([0, 1, 2, 3], whole.Share);
        Assert.Equal([0, 2, 5], whole.Strengths[0].Attacks[0].Broken);
        Assert.Equal(8, whole.Strengths[0].Attacks[0].Attacked);
        Assert.Equal(8, whole.ZeroGradients[0].Counted);
    }

    [Theory]
    [InlineData(new[] { 0, 1 }, new[] { 1, 2, 3 })]
    [InlineData(new[] { 0, 1 }, new[] { 2 })]
    public void Parts_that_overlap_or_leave_atoms_out_are_refused(int[] first, int[] second)
    {
        var refused = Assert.Throws<GateInputException>(() => RobustnessPart.Combine([Part(first, []), Part(second, [])], new SourceLocation("policy.yaml", 3, 5)));

        Assert.Equal(EngineRules.PartialMismatch, refused.Rule);
        Assert.Contains("exactly once", refused.Message);
    }

    [Fact]
    public void Parts_that_saw_other_clean_predictions_are_refused()
    {
        var refused = Assert.Throws<GateInputException>(() => RobustnessPart.Combine(
            [Part([0, 2], []), Part([1, 3], [], [true, false, true, true, true, true, true, true])], new SourceLocation("policy.yaml", 3, 5)));

        Assert.Contains("clean predictions differ", refused.Message);
    }
}
