using SecMLOps.Gates.Data;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Engine;

/// <summary>
/// One rule at <c>merge</c>: its parts are taken only when every shard that should hold one does, and
/// each was made from what the merge sees now (the same verdict-cache key: tool build, policy, the
/// sha256 of every declared input; every file the shard recorded unchanged). A shardable gate then
/// combines the parts; another gate's whole result comes from shard 1. Anything else is an error.
/// </summary>
internal static class ShardMerge
{
    /// <param name="merge">Runs the gate's merge of the shards' runs, as the engine runs a rule.</param>
    /// <returns>The rule's run, and whether its outputs still have to be staged (they come as bytes from shard 1).</returns>
    public static (RuleRun Run, bool Stage) Rule(ShardedEvaluation merging, IGate gate, PolicyRule rule, string? key, RepositoryRoot root, DatasetIntegrity integrity,
        Func<IReadOnlyList<RuleRun>, RuleRun> merge)
    {
        var parts = merging.PartsOf(rule.Id);
        var expected = gate.Descriptor.Shardable ? parts : parts.Take(1).ToList();
        if (key is null)
            return (Error(EngineRules.InputMissing, rule, "a file the rule declares cannot be read, so no shard's part can be tied to it"), false);
        foreach (var (file, part) in expected)
        {
            if (part is null)
                return (Error(EngineRules.PartialMismatch, rule, $"{file} holds no part of rule {rule.Id}: its shard did not evaluate it"), false);
            if (part.Key != key)
                return (Error(EngineRules.PartialMismatch, rule,
                    $"{file}: rule {rule.Id} was evaluated from another tool build, policy or input than this merge sees (key {Short(part.Key)}, here {Short(key)}); nothing is concluded from it"), false);
            if (part.Run.Inputs.FirstOrDefault(i => i.Sha256 is not null && integrity.TryDigest(Path.Combine(root.FullPath, i.Path)) != i.Sha256) is { } changed)
                return (Error(EngineRules.PartialMismatch, rule, $"{file}: {changed.Path}, which rule {rule.Id} read in that shard, has changed since"), false);
        }
        var runs = expected.Select(p => p.Part!.Run).ToList();
        if (!gate.Descriptor.Shardable)
            return (runs[0], true);
        var inputs = runs.SelectMany(r => r.Inputs).DistinctBy(i => i.Path).OrderBy(i => i.Path, StringComparer.Ordinal).ToList();
        // A shard that could not evaluate its part makes the rule an error, with every shard's errors.
        var errors = runs.SelectMany(r => r.Findings).Where(f => f.Outcome == Outcome.Error).DistinctBy(f => (f.RuleId, f.Subject, f.Message)).ToList();
        if (errors.Count > 0)
            return (new RuleRun(errors, null, null, inputs, []), false);
        var run = merge(runs);
        return (run with { Inputs = run.Inputs.Concat(inputs).DistinctBy(i => i.Path).OrderBy(i => i.Path, StringComparer.Ordinal).ToList() }, false);
    }

    private static RuleRun Error(RuleDescriptor diagnostic, PolicyRule rule, string message) =>
        new([Finding.Error(diagnostic.Id, rule.Id, message, rule.Location)], null, null, [], []);

    private static string Short(string? key) => key is null ? "none" : key[..12];
}
