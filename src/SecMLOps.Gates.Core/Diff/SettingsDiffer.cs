using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Documents;

namespace SecMLOps.Gates.Diff;

/// <summary>Compares two JSON trees of rule settings, classifying each change by <see cref="SettingDirections"/>.</summary>
internal static class SettingsDiffer
{
    public static void Compare(ChangeLog log, SourceDocument head, string subject, string key, JToken? before, JToken? after)
    {
        var at = after is null ? null : head.LocationOf(after);
        var name = $"{subject}.{key}";
        switch (before, after)
        {
            case (null, null):
                return;
            case (null, _):
                log.Add(name, ChangeEffect.Neutral, $"{name} set", null, after, at);
                return;
            case (_, null):
                log.Add(name, ChangeEffect.Neutral, $"{name} removed (the gate's default applies)", before, null);
                return;
            case (JObject b, JObject a):
                foreach (var property in b.Properties().Select(p => p.Name).Union(a.Properties().Select(p => p.Name)).Order(StringComparer.Ordinal))
                    Compare(log, head, name, property, b[property], a[property]);
                return;
            case (JArray b, JArray a):
                CompareLists(log, head, name, key, b, a);
                return;
            case (JValue b, JValue a) when IsNumber(b) && IsNumber(a):
                if (SettingDirections.OfNumber(key, (double)b, (double)a) is { } effect)
                    log.Add(name, effect, $"{name} {(effect == ChangeEffect.Neutral ? "changed" : (double)a > (double)b ? "raised" : "lowered")}", b, a, at);
                return;
            case (JValue b, JValue a) when SettingDirections.IsOrdinal(key) && b.Type == JTokenType.String && a.Type == JTokenType.String:
                if (SettingDirections.OfOrdinal(key, (string)b!, (string)a!) is { } ordinal)
                    log.Add(name, ordinal, $"{name} changed", b, a, at);
                return;
            default:
                if (!JToken.DeepEquals(before, after))
                    log.Add(name, ChangeEffect.Neutral, $"{name} changed", before, after, at);
                return;
        }
    }

    private static void CompareLists(ChangeLog log, SourceDocument head, string name, string key, JArray before, JArray after)
    {
        var old = before.ToDictionary(SettingDirections.ItemKey, i => i);
        var current = after.ToDictionary(SettingDirections.ItemKey, i => i);
        foreach (var (itemKey, item) in old.Where(p => !current.ContainsKey(p.Key)))
            log.Add($"{name}[{itemKey}]", SettingDirections.OfRemovedItem(key), $"{name}: {itemKey} removed", item, null, head.LocationOf(after));
        foreach (var (itemKey, item) in current.Where(p => !old.ContainsKey(p.Key)))
            log.Add($"{name}[{itemKey}]", SettingDirections.OfAddedItem(key), $"{name}: {itemKey} added", null, item, head.LocationOf(item));
        foreach (var (itemKey, item) in current.Where(p => old.ContainsKey(p.Key)))
        {
            if (item is JObject && old[itemKey] is JObject previous)
                foreach (var property in ((JObject)previous).Properties().Select(p => p.Name).Union(((JObject)item).Properties().Select(p => p.Name)).Order(StringComparer.Ordinal))
                    Compare(log, head, $"{name}[{itemKey}]", property, previous[property], item[property]);
        }
    }

    private static bool IsNumber(JValue value) => value.Type is JTokenType.Integer or JTokenType.Float;
}
