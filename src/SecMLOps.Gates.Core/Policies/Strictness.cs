using Newtonsoft.Json.Linq;

namespace SecMLOps.Gates.Policies;

/// <summary>
/// Which way a setting is stricter, as its schema states it in <c>x-stricter</c>. Every setting of
/// every gate carries one (a test walks the schemas); the policy diff reads them to tell a reviewer
/// whether a change weakens or strengthens a rule.
/// </summary>
public enum Strictness
{
    /// <summary>No direction: paths, names, seeds, devices.</summary>
    Neutral,

    /// <summary>A larger number is stricter (a minimum, a count of steps).</summary>
    Higher,

    /// <summary>A smaller number is stricter (a maximum, a tolerance).</summary>
    Lower,

    /// <summary>Setting it adds a check (a pinned digest, an optional limit); removing it weakens.</summary>
    Present,

    /// <summary>Setting it trusts more (an extra key); removing it strengthens; changing it trusts something else, which weakens.</summary>
    Absent,

    /// <summary>
    /// It pins what is trusted (a digest, a key, a trusted root): setting it strengthens; removing it,
    /// or changing it to trust something other than what was reviewed, weakens.
    /// </summary>
    Pinned,

    /// <summary>A list whose removed entries weaken (attacks, strengths, required fields).</summary>
    MoreItems,

    /// <summary>A list whose added entries weaken (allowed identities, accepted exceptions).</summary>
    FewerItems,

    /// <summary>An enum listed from weakest to strictest.</summary>
    EnumOrder,

    /// <summary>A boolean whose true is stricter.</summary>
    True,

    /// <summary>A boolean whose false is stricter.</summary>
    False,
}

public static class StrictnessAnnotation
{
    public const string Keyword = "x-stricter";

    /// <summary>For lists of objects: the item properties that identify an entry across revisions.</summary>
    public const string KeyKeyword = "x-key";

    /// <summary>
    /// On a list of objects identified by one x-key property: each entry's defaults by its key (an
    /// attack's options by its name), so that an option set or removed is compared with the value it had.
    /// </summary>
    public const string ItemDefaultsKeyword = "x-item-defaults";

    /// <summary>On a setting without a default: "strictest" when leaving it unset is stricter than any value (sampleCount: every row).</summary>
    public const string UnsetKeyword = "x-unset";

    private static readonly Dictionary<string, Strictness> Words = new(StringComparer.Ordinal)
    {
        ["neutral"] = Strictness.Neutral,
        ["higher"] = Strictness.Higher,
        ["lower"] = Strictness.Lower,
        ["present"] = Strictness.Present,
        ["absent"] = Strictness.Absent,
        ["pinned"] = Strictness.Pinned,
        ["more-items"] = Strictness.MoreItems,
        ["fewer-items"] = Strictness.FewerItems,
        ["enum-order"] = Strictness.EnumOrder,
        ["true"] = Strictness.True,
        ["false"] = Strictness.False,
    };

    /// <summary>The annotation of a schema node; null when it has none (or an unknown word).</summary>
    public static Strictness? Of(JObject? schema) =>
        schema?[Keyword] is JValue { Type: JTokenType.String } value && Words.TryGetValue((string)value!, out var strictness) ? strictness : null;

    public static string Word(Strictness strictness) => Words.First(p => p.Value == strictness).Key;

    /// <summary>What a reader of the docs sees in the "stricter when" column.</summary>
    public static string Explain(Strictness strictness, JObject schema) =>
        (string?)schema[UnsetKeyword] == "strictest" ? $"{Direction(strictness, schema)}; unset is strictest" : Direction(strictness, schema);

    private static string Direction(Strictness strictness, JObject schema) => strictness switch
    {
        Strictness.Higher => "higher",
        Strictness.Lower => "lower",
        Strictness.Present => "set",
        Strictness.Absent => "not set",
        Strictness.Pinned => "set, and unchanged",
        Strictness.MoreItems => "more entries",
        Strictness.FewerItems => "fewer entries",
        Strictness.EnumOrder => string.Join(" < ", (schema["enum"] as JArray ?? []).Select(v => $"`{v}`")),
        Strictness.True => "`true`",
        Strictness.False => "`false`",
        _ => "neither (neutral)",
    };
}
