using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Diff;

public enum ChangeEffect
{
    Weakening,
    Strengthening,
    Neutral,
}

/// <summary>
/// One change between two revisions of a policy or threat model, as a reviewer reads it:
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
internal sealed class ChangeLog(string file, SourceLocation fallback)
{
    public List<PolicyChange> Changes { get; } = [];

    public void Add(string subject, ChangeEffect effect, string description, object? oldValue, object? newValue, SourceLocation? at = null) =>
        Changes.Add(new PolicyChange(file, subject, effect, description, Text(oldValue), Text(newValue), at ?? fallback));

    private static string? Text(object? value) => value switch
    {
        null => null,
        Newtonsoft.Json.Linq.JValue v => Convert.ToString(v.Value, System.Globalization.CultureInfo.InvariantCulture),
        Newtonsoft.Json.Linq.JToken t => t.ToString(Newtonsoft.Json.Formatting.None),
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
    };
}
