using SecMLOps.Gates.Robustness.Attacks;

namespace SecMLOps.Gates.Robustness.Gate;

/// <summary>The worst case at one strength: per sample, robust only if no attack at this strength or below broke it.</summary>
public sealed record StrengthResult(double Eps, bool[] Robust, int BrokenBelow, IReadOnlyList<AttackResult> Attacks)
{
    public int RobustCount => Robust.Count(r => r);

    /// <summary>The worst case at each strength, smallest first, from what each attack broke there (a sample broken at a smaller strength stays broken).</summary>
    public static IReadOnlyList<StrengthResult> Tally(bool[] cleanCorrect, IEnumerable<(double Eps, IReadOnlyList<AttackResult> Attacks)> strengths)
    {
        var robust = (bool[])cleanCorrect.Clone();
        var results = new List<StrengthResult>();
        foreach (var (eps, attacks) in strengths)
        {
            var brokenBelow = cleanCorrect.Zip(robust).Count(p => p.First && !p.Second);
            foreach (var attack in attacks)
                for (var i = 0; i < robust.Length; i++)
                    robust[i] &= !attack.Broken[i];
            results.Add(new StrengthResult(eps, (bool[])robust.Clone(), brokenBelow, attacks));
        }
        return results;
    }
}

/// <summary>
/// Runs the planned attacks on the session's share of the samples, strength by strength, smallest
/// first, keeping per-sample flags: a sample broken at a smaller strength is broken at every larger
/// one (the perturbation lies inside the larger ball). As an ensemble, each attack runs only on the
/// samples still robust, as AutoAttack does; otherwise each runs on every correctly classified
/// sample. The worst case is the same. The gate's masking probe runs on a sample, drawn atom by atom,
/// of what every white-box attack left robust (MaskingProbe). After each attack the progress gives
/// the time left for the whole rule, from each attack's own time per sample so far and the samples
/// still to attack (an attack not yet timed is counted apart).
/// </summary>
internal static class EnsembleRunner
{
    public static IReadOnlyList<(double Eps, IReadOnlyList<AttackResult> Attacks)> Run(AttackSession session, IReadOnlyList<PlannedAttack> attacks, bool ensemble, MaskingProbe probe)
    {
        var robust = Enumerable.Range(0, session.Count).Select(i => session.CleanCorrect[i] && session.InShare(i)).ToArray();
        var candidates = robust.Count(r => r);
        var results = new List<(double, IReadOnlyList<AttackResult>)>();
        var started = 0;
        var timing = new Dictionary<AttackDefinition, (double Seconds, int Samples)>();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        foreach (var (strength, index) in attacks.GroupBy(a => a.Eps).OrderBy(g => g.Key).Select((g, i) => (g, i)))
        {
            var outcomes = new List<AttackResult>();
            // The masking probe runs last, on what the white-box attacks at this strength left robust.
            foreach (var planned in strength.OrderBy(a => a.IsMaskingProbe).ThenBy(a => a.Definition.Order))
            {
                AttackResult result;
                var position = $"attack {++started} of {attacks.Count}";
                var attacked = Enumerable.Range(0, session.Count).Where(i => session.InShare(i) && (ensemble ? robust[i] : session.CleanCorrect[i])).ToList();
                if (planned.IsMaskingProbe)
                {
                    var survivors = attacked.Where(i => !outcomes.Any(o => o.Broken[i])).ToList();
                    var probed = survivors.GroupBy(session.Atoms.AtomOf).OrderBy(g => g.Key).SelectMany(g => probe.Select(g.ToList(), index, g.Key)).Order().ToList();
                    result = session.Run(planned, probed, position) with { ProbeSurvivors = survivors.Count };
                }
                else
                {
                    result = session.Run(planned, attacked, position);
                }
                outcomes.Add(result);
                for (var i = 0; i < robust.Length; i++)
                    robust[i] &= !result.Broken[i];
                var (seconds, samples) = timing.GetValueOrDefault(planned.Definition);
                timing[planned.Definition] = (seconds + result.Seconds, samples + result.Attacked);
                session.Progress(TimeLeft(attacks.Skip(started), timing, ensemble ? robust.Count(r => r) : candidates, probe, watch.Elapsed.TotalSeconds));
            }
            results.Add((strength.Key, outcomes));
        }
        return results;
    }

    /// <summary>The rule's time so far and an estimate of what is left; <paramref name="remaining"/> are the attacks still to run, in run order.</summary>
    internal static string TimeLeft(IEnumerable<PlannedAttack> remaining, Dictionary<AttackDefinition, (double Seconds, int Samples)> timing, int candidates, MaskingProbe probe, double elapsed)
    {
        var (left, untimed, count) = (0.0, 0, 0);
        foreach (var planned in remaining)
        {
            count++;
            if (timing.TryGetValue(planned.Definition, out var measured) && measured.Samples > 0)
                left += measured.Seconds / measured.Samples * (planned.IsMaskingProbe ? probe.Size(candidates) : candidates);
            else
                untimed++;
        }
        var text = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"rule time so far {elapsed:0} s");
        if (count == 0)
            return text;
        text += string.Create(System.Globalization.CultureInfo.InvariantCulture, $"; about {left:0} s left for {count - untimed} attack(s) timed before");
        return untimed > 0 ? $"{text}, {untimed} not timed yet" : text;
    }
}
