using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Documents;

namespace SecMLOps.Gates.Policies;

/// <summary>
/// Compares two revisions of settings (a rule's, spec.model, spec.datasets) by their schema: each
/// setting's x-stricter annotation says whether a change weakens or strengthens, and a setting that
/// appears or disappears is compared with the default its schema declares (a block that drives a
/// check, by its own annotation). Lists are compared as
/// lists: scalars as multisets, objects paired by their x-key properties (in order where several
/// share a key), so a repeated value is never a problem. Nothing is dropped: a change with no
/// direction is reported as neutral with both values.
/// </summary>
public sealed class SettingsDiffer(ChangeLog log, SourceDocument head, PolicySchema schema)
{
    public void Compare(string subject, string key, JToken? before, JToken? after, JObject? nodeSchema)
    {
        var node = nodeSchema is null ? null : schema.Resolve(nodeSchema);
        var name = $"{subject}.{key}";
        if (before is null && after is null)
            return;
        var strictness = StrictnessAnnotation.Of(node) ?? Strictness.Neutral;
        if (before is JObject || after is JObject || node?["properties"] is JObject || node?["additionalProperties"] is JObject)
        {
            // A block that drives a check (lineage) coming or going is that check starting or stopping, not its fields' defaults.
            if (StrictnessAnnotation.Of(node) is not null && (before is null) != (after is null))
                ReportPresence(name, strictness, before, after, after is null ? null : head.LocationOf(after), node);
            else
                CompareObjects(name, before as JObject ?? [], after as JObject ?? [], node);
            return;
        }
        var fallback = node?["default"];
        var (old, current) = (before ?? fallback, after ?? fallback);
        var at = after is null ? null : head.LocationOf(after);
        if (old is null || current is null)
        {
            ReportPresence(name, strictness, before, after, at, node);
            return;
        }
        if (old is JArray || current is JArray)
        {
            CompareLists(name, old as JArray ?? [old], current as JArray ?? [current], node, strictness, at);
            return;
        }
        if (JToken.DeepEquals(old, current))
        {
            if (before is null != after is null)
                log.Add(name, ChangeEffect.Neutral, $"{name} {(after is null ? "removed" : "set")} (equal to the default)", before, after, at);
            return;
        }
        var effect = Direction(strictness, old, current, node);
        var verb = effect == ChangeEffect.Neutral ? "changed" : IsNumber(old) && IsNumber(current) ? ((double)current > (double)old ? "raised" : "lowered") : "changed";
        var defaultNote = before is null ? " (from the default)" : after is null ? " (back to the default)" : "";
        log.Add(name, effect, $"{name} {verb}{defaultNote}", old, current, at);
    }

    private void CompareObjects(string name, JObject before, JObject after, JObject? node)
    {
        foreach (var property in before.Properties().Select(p => p.Name).Union(after.Properties().Select(p => p.Name)).Order(StringComparer.Ordinal))
        {
            var child = node?["properties"]?[property] as JObject ?? node?["additionalProperties"] as JObject;
            Compare(name, property, before[property], after[property], child);
        }
    }

    /// <summary>
    /// A setting without a default that appears or disappears: the check it drives starts or stops;
    /// or, for a setting whose schema says unset is its strictest value (x-unset: strictest, such as
    /// sampleCount, where unset is every row), any value set is a weakening and removing it strengthens.
    /// </summary>
    private void ReportPresence(string name, Strictness strictness, JToken? before, JToken? after, Findings.SourceLocation? at, JObject? node)
    {
        var added = before is null;
        var effect = strictness switch
        {
            Strictness.Neutral => ChangeEffect.Neutral,
            _ when (string?)node?[StrictnessAnnotation.UnsetKeyword] == "strictest" => added ? ChangeEffect.Weakening : ChangeEffect.Strengthening,
            Strictness.Absent or Strictness.FewerItems => added ? ChangeEffect.Weakening : ChangeEffect.Strengthening,
            _ => added ? ChangeEffect.Strengthening : ChangeEffect.Weakening,
        };
        var note = (string?)node?[StrictnessAnnotation.UnsetKeyword] == "strictest"
            ? added ? " (unset was the strictest value)" : " (back to the strictest value)"
            : effect == ChangeEffect.Neutral || added ? "" : " (the check it drives no longer runs)";
        log.Add(name, effect, $"{name} {(added ? "set" : "removed")}{note}", before, after, at);
    }

    private static ChangeEffect Direction(Strictness strictness, JToken old, JToken current, JObject? node) => strictness switch
    {
        Strictness.Higher when IsNumber(old) && IsNumber(current) => (double)current > (double)old ? ChangeEffect.Strengthening : ChangeEffect.Weakening,
        Strictness.Lower when IsNumber(old) && IsNumber(current) => (double)current < (double)old ? ChangeEffect.Strengthening : ChangeEffect.Weakening,
        Strictness.True when old.Type == JTokenType.Boolean && current.Type == JTokenType.Boolean => (bool)current ? ChangeEffect.Strengthening : ChangeEffect.Weakening,
        Strictness.False when old.Type == JTokenType.Boolean && current.Type == JTokenType.Boolean => (bool)current ? ChangeEffect.Weakening : ChangeEffect.Strengthening,
        Strictness.EnumOrder => EnumDirection(node, old, current),
        Strictness.Pinned or Strictness.Absent => ChangeEffect.Weakening,
        _ => ChangeEffect.Neutral,
    };

    /// <summary>The enum is listed weakest first: a move to a later value strengthens.</summary>
    public static ChangeEffect EnumDirection(JObject? node, JToken old, JToken current)
    {
        var order = (node?["enum"] as JArray ?? []).ToList();
        var (from, to) = (order.FindIndex(v => JToken.DeepEquals(v, old)), order.FindIndex(v => JToken.DeepEquals(v, current)));
        return from < 0 || to < 0 || from == to ? ChangeEffect.Neutral : to > from ? ChangeEffect.Strengthening : ChangeEffect.Weakening;
    }

    private void CompareLists(string name, JArray before, JArray after, JObject? node, Strictness strictness, Findings.SourceLocation? at)
    {
        if (strictness is not (Strictness.MoreItems or Strictness.FewerItems))
        {
            if (!JToken.DeepEquals(before, after))
                log.Add(name, ChangeEffect.Neutral, $"{name} changed", before, after, at);
            return;
        }
        var itemSchema = node?["items"] is JObject items ? schema.Resolve(items) : null;
        var keys = (node?[StrictnessAnnotation.KeyKeyword] as JArray)?.Select(k => (string)k!).ToList();
        var pending = before.Select(item => (Key: KeyOf(item, keys), Item: item)).ToList();
        var removedEffect = strictness == Strictness.MoreItems ? ChangeEffect.Weakening : ChangeEffect.Strengthening;
        var addedEffect = strictness == Strictness.MoreItems ? ChangeEffect.Strengthening : ChangeEffect.Weakening;
        foreach (var item in after)
        {
            var key = KeyOf(item, keys);
            var match = pending.FindIndex(p => p.Key == key);
            if (match < 0)
            {
                log.Add($"{name}[{key}]", addedEffect, $"{name}: {key} added", null, item, head.LocationOf(item));
                continue;
            }
            var previous = pending[match].Item;
            pending.RemoveAt(match);
            if (item is JObject current && previous is JObject old)
                CompareObjects($"{name}[{key}]", old, current, WithDefaults(itemSchema, node?[StrictnessAnnotation.ItemDefaultsKeyword]?[key] as JObject));
        }
        foreach (var (key, item) in pending)
            log.Add($"{name}[{key}]", removedEffect, $"{name}: {key} removed", item, null, at);
    }

    /// <summary>The item schema with this entry's own defaults (x-item-defaults) written into its properties.</summary>
    private static JObject? WithDefaults(JObject? itemSchema, JObject? defaults)
    {
        if (itemSchema is null || defaults is null)
            return itemSchema;
        var copy = (JObject)itemSchema.DeepClone();
        foreach (var option in defaults.Properties())
            if (copy["properties"]?[option.Name] is JObject property)
                property["default"] = option.Value.DeepClone();
        return copy;
    }

    /// <summary>An entry's identity: its x-key properties (objects), or its whole value.</summary>
    private static string KeyOf(JToken item, IReadOnlyList<string>? keys) =>
        item is JObject o && keys is { Count: > 0 }
            ? keys.Count == 1 ? Text(o[keys[0]]) : string.Join(",", keys.Where(k => o[k] is not null).Select(k => $"{k}={Text(o[k])}"))
            : Text(item);

    private static string Text(JToken? token) => token?.ToString(Formatting.None).Trim('"') ?? "";

    private static bool IsNumber(JToken value) => value.Type is JTokenType.Integer or JTokenType.Float;
}
