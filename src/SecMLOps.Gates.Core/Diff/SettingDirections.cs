using Newtonsoft.Json.Linq;

namespace SecMLOps.Gates.Diff;

/// <summary>
/// Which way is stricter for each setting a reviewer cares about. A setting not listed here is
/// reported as a neutral change with both values, never silently dropped.
/// </summary>
internal static class SettingDirections
{
    private static readonly HashSet<string> HigherIsStricter = new(StringComparer.Ordinal)
    {
        "minRatioOfBaseline", "minGoldenFraction", "minGoldenAccuracy", "minAccuracy", "sampleCount", "steps",
        "maxIterations", "restarts", "queries", "minSignatures", "minPriorShiftPValue",
    };

    private static readonly HashSet<string> LowerIsStricter = new(StringComparer.Ordinal)
    {
        "maxAgeDays", "maxExcessFlaggedFraction", "maxRecallDrop", "maxConflictingDuplicates", "maxPsi", "maxKsStatistic", "nearDuplicateQuantum",
    };

    /// <summary>Lists whose removed entries weaken a rule (fewer attacks, fewer strengths, fewer checks).</summary>
    private static readonly HashSet<string> RemovalWeakens = new(StringComparer.Ordinal)
    {
        "attacks", "eps", "epsilons", "xi", "overshoots", "checks", "requiredLineageFields", "artifacts",
    };

    /// <summary>Lists whose added entries weaken a rule (more identities or keys are trusted).</summary>
    private static readonly HashSet<string> AdditionWeakens = new(StringComparer.Ordinal)
    {
        "allowedIdentities", "identities", "publicKeys", "trustedKeys",
    };

    /// <summary>Ordered from least to most permissive: a move to the right weakens.</summary>
    private static readonly Dictionary<string, string[]> Ordinals = new(StringComparer.Ordinal)
    {
        ["likelihood"] = ["N", "L", "M", "H"],
        ["impact"] = ["low", "medium", "severe"],
    };

    public static ChangeEffect? OfNumber(string key, double before, double after)
    {
        if (before == after) return null;
        if (HigherIsStricter.Contains(key)) return after > before ? ChangeEffect.Strengthening : ChangeEffect.Weakening;
        if (LowerIsStricter.Contains(key)) return after < before ? ChangeEffect.Strengthening : ChangeEffect.Weakening;
        return ChangeEffect.Neutral;
    }

    /// <summary>For riskLevel: a higher threshold lets more pairs through without a control.</summary>
    public static ChangeEffect? OfOrdinal(string key, string before, string after)
    {
        if (before == after) return null;
        if (!Ordinals.TryGetValue(key, out var order) || Array.IndexOf(order, before) < 0 || Array.IndexOf(order, after) < 0)
            return ChangeEffect.Neutral;
        return Array.IndexOf(order, after) > Array.IndexOf(order, before) ? ChangeEffect.Weakening : ChangeEffect.Strengthening;
    }

    public static bool IsOrdinal(string key) => Ordinals.ContainsKey(key);

    public static ChangeEffect OfRemovedItem(string key) =>
        RemovalWeakens.Contains(key) ? ChangeEffect.Weakening : AdditionWeakens.Contains(key) ? ChangeEffect.Strengthening : ChangeEffect.Neutral;

    public static ChangeEffect OfAddedItem(string key) =>
        RemovalWeakens.Contains(key) ? ChangeEffect.Strengthening : AdditionWeakens.Contains(key) ? ChangeEffect.Weakening : ChangeEffect.Neutral;

    /// <summary>List items are matched by their name (objects) or their value (scalars).</summary>
    public static string ItemKey(JToken item) => item is JObject o
        ? (string?)(o["name"] ?? o["attack"] ?? o["id"] ?? o["type"]) ?? o.ToString(Newtonsoft.Json.Formatting.None)
        : item.ToString(Newtonsoft.Json.Formatting.None);
}
