using SecMLOps.Gates.Robustness.Gate;

namespace SecMLOps.Gates.Robustness.Evaluation;

/// <summary>The worst case at one strength: per sample, robust only if no attack at this strength or below broke it.</summary>
public sealed record StrengthResult(double Eps, bool[] Robust, int BrokenBelow, IReadOnlyList<AttackResult> Attacks)
{
    public int RobustCount => Robust.Count(r => r);
}

/// <summary>
/// Runs the planned attacks strength by strength, smallest first, keeping per-sample flags: a sample
/// broken at a smaller strength is broken at every larger one (the perturbation lies inside the
/// larger ball). As an ensemble, each attack runs only on the samples still robust, as AutoAttack
/// does; otherwise each runs on every correctly classified sample. The worst case is the same.
/// </summary>
internal static class EnsembleRunner
{
    public static IReadOnlyList<StrengthResult> Run(AttackSession session, IReadOnlyList<PlannedAttack> attacks, bool ensemble)
    {
        var robust = (bool[])session.CleanCorrect.Clone();
        var results = new List<StrengthResult>();
        foreach (var strength in attacks.GroupBy(a => a.Eps).OrderBy(g => g.Key))
        {
            var brokenBelow = session.CleanCorrect.Zip(robust).Count(p => p.First && !p.Second);
            var outcomes = new List<AttackResult>();
            foreach (var planned in strength.OrderBy(a => a.Definition.Order))
            {
                var candidates = Enumerable.Range(0, session.Count).Where(i => ensemble ? robust[i] : session.CleanCorrect[i]).ToList();
                var result = session.Run(planned, candidates);
                outcomes.Add(result);
                for (var i = 0; i < robust.Length; i++)
                    robust[i] &= !result.Broken[i];
            }
            results.Add(new StrengthResult(strength.Key, (bool[])robust.Clone(), brokenBelow, outcomes));
        }
        return results;
    }
}
