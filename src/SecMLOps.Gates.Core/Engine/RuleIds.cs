using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Engine;

/// <summary>
/// The rule ids declared so far, in one policy or across all the policies of a run: a rule id names
/// one rule, since waivers, baselines, evidence and <c>--rule</c> find rules by it.
/// </summary>
public sealed class RuleIds
{
    private readonly Dictionary<string, (string Path, SourceLocation At)> _first = new(StringComparer.Ordinal);

    /// <summary>Records the rules of the policy file <paramref name="path"/>; an error for each whose id was declared before.</summary>
    public IReadOnlyList<Finding> Declare(string path, IEnumerable<PolicyRule> rules)
    {
        var errors = new List<Finding>();
        foreach (var rule in rules)
        {
            if (!_first.TryGetValue(rule.Id, out var first))
                _first[rule.Id] = (path, rule.Location);
            else
                errors.Add(Finding.Error(EngineRules.PolicyInconsistent.Id, rule.Id, first.Path == path
                    ? $"rule id {rule.Id} is declared more than once (first at line {first.At.Line})"
                    : $"rule id {rule.Id} is also declared in {first.Path}; rule ids must be unique across evaluated policies", rule.Location));
        }
        return errors;
    }
}
