using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Documents;

public enum ChangeEffect
{
    Weakening,
    Strengthening,
    Neutral,
}

/// <summary>
/// One change between two revisions of a policy document (a policy, threat model, baseline), as a reviewer reads it:
/// what changed (<see cref="Subject"/>), its effect, and the old and new values.
/// </summary>
public sealed record PolicyChange(
    string File,
    string Subject,
    ChangeEffect Effect,
    string Description,
    string? OldValue,
    string? NewValue,
    SourceLocation Location);

/// <summary>Collects the changes of one file, located in the head revision where the node still exists.</summary>
public sealed class ChangeLog(string file, SourceLocation fallback)
{
    public List<PolicyChange> Changes { get; } = [];

    /// <summary>Every field of two objects that differs, except those a comparison judges, listed as neutral with both values so a reviewer sees it.</summary>
    public void ListOtherFields(SourceDocument head, string subject, JToken? before, JToken? after, IReadOnlySet<string> judged)
    {
        var keys = (before as JObject ?? []).Properties().Select(p => p.Name).Union((after as JObject ?? []).Properties().Select(p => p.Name));
        foreach (var key in keys.Where(k => !judged.Contains(k)).Order(StringComparer.Ordinal))
        {
            if (!JToken.DeepEquals(before?[key], after?[key]))
                Add($"{subject}.{key}", ChangeEffect.Neutral, $"{subject}: {key} changed", before?[key], after?[key],
                    after?[key] is { } value ? head.LocationOf(value) : after is null ? null : head.LocationOf(after));
        }
    }

    public void Add(string subject, ChangeEffect effect, string description, object? oldValue, object? newValue, SourceLocation? at = null) =>
        Changes.Add(new PolicyChange(file, subject, effect, description, Text(oldValue), Text(newValue), at ?? fallback));

    private static string? Text(object? value) => value switch
    {
        null => null,
        JValue v => Convert.ToString(v.Value, System.Globalization.CultureInfo.InvariantCulture),
        JToken t => t.ToString(Newtonsoft.Json.Formatting.None),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
    };
}
