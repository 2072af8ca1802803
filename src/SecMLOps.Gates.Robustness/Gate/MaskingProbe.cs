namespace SecMLOps.Gates.Robustness.Gate;

/// <summary>
/// The black-box attack the gate adds where the policy names none is there to detect gradient
/// masking, so it runs on a stratified (by label), seeded sample of the samples every white-box
/// attack left robust, not on all of them: its cost is bounded whatever the evaluation set's size.
/// The sample is sized so that a black-box-only share of twice maxBlackBoxGap is caught with
/// probability at least 95 %: at exactly the threshold it expects six hits, and
/// P(Poisson(12) > 6) = 0.954 (drawing without replacement only narrows the spread), while a gap of
/// half the threshold is flagged with probability about 3 %. At the default maxBlackBoxGap of 0.02
/// that is 300 x (survivors / samples), at most 300 samples; a threshold of 0 probes every survivor.
/// Drawn atom by atom (each atom's share rounded up), the sample is at most one a batch larger.
/// </summary>
internal sealed class MaskingProbe(long[] labels, double maxBlackBoxGap, int seed)
{
    private const double HitsExpectedAtThreshold = 6;

    public int Size(int survivors) => maxBlackBoxGap <= 0
        ? survivors
        : (int)Math.Min(survivors, Math.Ceiling(HitsExpectedAtThreshold * survivors / (maxBlackBoxGap * labels.Length)));

    /// <summary>
    /// The survivors of one atom to probe at one strength, in index order; every label keeps its share
    /// (largest remainders round up). Drawn per atom, so that a shard draws what one run draws.
    /// </summary>
    public IReadOnlyList<int> Select(IReadOnlyList<int> survivors, int strength, int atom = 0)
    {
        var size = Size(survivors.Count);
        if (size >= survivors.Count)
            return survivors;
        // Not HashCode.Combine: it is salted per process, and the same policy must probe the same samples.
        var random = new Random(unchecked(seed * 1_000_003 + strength + atom * 7_919));
        var strata = survivors.GroupBy(i => labels[i]).OrderBy(g => g.Key).Select(g =>
        {
            var members = g.ToArray();
            random.Shuffle(members);
            return members;
        }).ToList();
        var quotas = strata.Select(s => (double)s.Length * size / survivors.Count).ToArray();
        var counts = quotas.Select(q => (int)Math.Floor(q)).ToArray();
        foreach (var k in Enumerable.Range(0, strata.Count).OrderByDescending(k => quotas[k] - counts[k]).ThenBy(k => k).Take(size - counts.Sum()))
            counts[k]++;
        return strata.SelectMany((members, k) => members.Take(counts[k])).Order().ToList();
    }
}
