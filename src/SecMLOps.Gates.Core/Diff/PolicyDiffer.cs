using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Diff;

/// <summary>Classifies the changes between two revisions of one GatePolicy document.</summary>
internal static class PolicyDiffer
{
    public static void Compare(ChangeLog log, SourceDocument base_, SourceDocument head, PolicySchema schema)
    {
        var settings = new SettingsDiffer(log, head, schema);
        var definitions = (JObject)schema.Document["definitions"]!;
        CompareRules(log, head, Rules(base_), Rules(head), settings, schema);
        CompareWaivers(log, head, Waivers(base_), Waivers(head));
        settings.Compare("spec", "model", base_.Root["spec"]?["model"], head.Root["spec"]?["model"], (JObject)definitions["model"]!);
        var specSchema = (JObject)schema.Document["properties"]!["spec"]!["properties"]!;
        settings.Compare("spec", "datasets", base_.Root["spec"]?["datasets"], head.Root["spec"]?["datasets"], (JObject)specSchema["datasets"]!);
        settings.Compare("spec", "maxWaiverDays", base_.Root["spec"]?["maxWaiverDays"], head.Root["spec"]?["maxWaiverDays"], (JObject)specSchema["maxWaiverDays"]!);
        ListUnjudged(log, base_, head);
    }

    /// <summary>
    /// Every field the comparisons above do not judge (a rule's description, the text an alert shows;
    /// metadata.owners; labels; anything a later schema adds) is listed as neutral with both values,
    /// so that nothing that differs is left out of what a reviewer sees.
    /// </summary>
    private static void ListUnjudged(ChangeLog log, SourceDocument base_, SourceDocument head)
    {
        var (before, after) = (Unjudged(base_.Root), Unjudged(head.Root));
        // A rule or waiver added or removed is already one change, fields and all.
        var onBothSides = Rules(base_).Keys.Intersect(Rules(head).Keys).Select(id => $"rule {id}.")
            .Concat(Waivers(base_).Keys.Intersect(Waivers(head).Keys).Select(rule => $"waiver {rule}.")).ToList();
        foreach (var path in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            if (path.StartsWith("rule ", StringComparison.Ordinal) || path.StartsWith("waiver ", StringComparison.Ordinal))
            {
                if (!onBothSides.Any(prefix => path.StartsWith(prefix, StringComparison.Ordinal)))
                    continue;
            }
            var (old, current) = (before.GetValueOrDefault(path), after.GetValueOrDefault(path));
            if (old is not null && current is not null && JToken.DeepEquals(old, current))
                continue;
            log.Add(path, ChangeEffect.Neutral, $"{path} {(old is null ? "set" : current is null ? "removed" : "changed")}", old, current,
                current is null ? null : head.LocationOf(current));
        }
    }

    private static readonly string[] JudgedRuleFields = ["id", "kind", "enforcement", "severity", "settings"];
    private static readonly string[] JudgedWaiverFields = ["rule", "expires", "owner", "reason", "ticket"];

    /// <summary>The fields no comparison judges, by path: rules by id and waivers by rule (each only where it exists on both sides is compared), lists of values whole.</summary>
    private static Dictionary<string, JToken> Unjudged(JToken root)
    {
        var fields = new Dictionary<string, JToken>(StringComparer.Ordinal);
        void Walk(string path, JToken token)
        {
            if (token is not JObject o)
            {
                fields[path] = token;
                return;
            }
            foreach (var property in o.Properties())
                Walk(path.Length == 0 ? property.Name : $"{path}.{property.Name}", property.Value);
        }
        foreach (var property in ((JObject)root).Properties())
        {
            switch (property.Name)
            {
                case "spec" when property.Value is JObject spec:
                    foreach (var part in spec.Properties())
                    {
                        switch (part.Name)
                        {
                            case "model" or "datasets" or "maxWaiverDays":
                                break;
                            case "rules" when part.Value is JArray rules:
                                foreach (var rule in rules.OfType<JObject>().Where(r => r["id"] is not null))
                                    foreach (var field in rule.Properties().Where(f => !JudgedRuleFields.Contains(f.Name)))
                                        Walk($"rule {rule["id"]}.{field.Name}", field.Value);
                                break;
                            case "waivers" when part.Value is JArray waivers:
                                foreach (var waiver in waivers.OfType<JObject>().Where(w => w["rule"] is not null))
                                    foreach (var field in waiver.Properties().Where(f => !JudgedWaiverFields.Contains(f.Name)))
                                        Walk($"waiver {waiver["rule"]}.{field.Name}", field.Value);
                                break;
                            default:
                                Walk($"spec.{part.Name}", part.Value);
                                break;
                        }
                    }
                    break;
                case "metadata" when property.Value is JObject metadata:
                    foreach (var field in metadata.Properties().Where(f => f.Name != "version"))
                        Walk($"metadata.{field.Name}", field.Value);
                    break;
                default:
                    Walk(property.Name, property.Value);
                    break;
            }
        }
        return fields;
    }

    private static Dictionary<string, JToken> Rules(SourceDocument document) =>
        (document.Root["spec"]?["rules"] as JArray ?? []).Where(r => r["id"] is not null).DistinctBy(r => (string)r["id"]!).ToDictionary(r => (string)r["id"]!);

    private static Dictionary<string, JToken> Waivers(SourceDocument document) =>
        (document.Root["spec"]?["waivers"] as JArray ?? []).Where(w => w["rule"] is not null).DistinctBy(w => (string)w["rule"]!).ToDictionary(w => (string)w["rule"]!);

    private static void CompareRules(ChangeLog log, SourceDocument head, Dictionary<string, JToken> before, Dictionary<string, JToken> after, SettingsDiffer settings, PolicySchema schema)
    {
        foreach (var (id, rule) in before.Where(p => !after.ContainsKey(p.Key)))
            log.Add($"rule {id}", ChangeEffect.Weakening, $"rule {id} ({rule["kind"]}, {rule["enforcement"]}) removed", Summary(rule), null);
        foreach (var (id, rule) in after.Where(p => !before.ContainsKey(p.Key)))
            log.Add($"rule {id}", ChangeEffect.Strengthening, $"rule {id} ({rule["kind"]}, {rule["enforcement"]}) added", null, Summary(rule), head.LocationOf(rule));
        foreach (var (id, rule) in after.Where(p => before.ContainsKey(p.Key)))
        {
            var old = before[id];
            if ((string?)old["kind"] != (string?)rule["kind"])
            {
                log.Add($"rule {id}", ChangeEffect.Weakening, $"rule {id} changed kind: its old checks no longer run", old["kind"], rule["kind"], head.LocationOf(rule["kind"]!));
                continue;
            }
            var ruleSchema = (JObject)schema.Document["definitions"]!["rule"]!["properties"]!;
            CompareRank(log, head, id, "enforcement", (JObject)ruleSchema["enforcement"]!, old, rule);
            CompareRank(log, head, id, "severity", (JObject)ruleSchema["severity"]!, old, rule);
            // A kind no gate of this version knows has no schema: its changes are still listed, as neutral.
            settings.Compare($"rule {id}", "settings", old["settings"], rule["settings"], schema.SettingsDocument((string?)rule["kind"] ?? ""));
        }
    }

    private static void CompareRank(ChangeLog log, SourceDocument head, string id, string key, JObject order, JToken before, JToken after)
    {
        var (old, current) = (before[key], after[key]);
        if (old is null || current is null || JToken.DeepEquals(old, current))
            return;
        var effect = SettingsDiffer.EnumDirection(order, old, current);
        log.Add($"rule {id}.{key}", effect, $"rule {id} {key} {(effect == ChangeEffect.Weakening ? "downgraded" : "upgraded")}", old, current, head.LocationOf(after[key]!));
    }

    private static void CompareWaivers(ChangeLog log, SourceDocument head, Dictionary<string, JToken> before, Dictionary<string, JToken> after)
    {
        foreach (var (rule, waiver) in after.Where(p => !before.ContainsKey(p.Key)))
            log.Add($"waiver {rule}", ChangeEffect.Weakening, $"waiver added for {rule} (owner {waiver["owner"]}, until {waiver["expires"]})", null, waiver["expires"], head.LocationOf(waiver));
        foreach (var (rule, waiver) in before.Where(p => !after.ContainsKey(p.Key)))
            log.Add($"waiver {rule}", ChangeEffect.Strengthening, $"waiver for {rule} removed", waiver["expires"], null);
        foreach (var (rule, waiver) in after.Where(p => before.ContainsKey(p.Key)))
        {
            var (old, current) = ((string?)before[rule]["expires"], (string?)waiver["expires"]);
            if (old != current && old is not null && current is not null)
            {
                var effect = string.CompareOrdinal(current, old) > 0 ? ChangeEffect.Weakening : ChangeEffect.Strengthening;
                log.Add($"waiver {rule}.expires", effect, $"waiver for {rule} {(effect == ChangeEffect.Weakening ? "extended" : "shortened")}", old, current, head.LocationOf(waiver["expires"]!));
            }
            foreach (var key in new[] { "owner", "reason", "ticket" })
            {
                if (!JToken.DeepEquals(before[rule][key], waiver[key]))
                    log.Add($"waiver {rule}.{key}", ChangeEffect.Neutral, $"waiver for {rule}: {key} changed", before[rule][key], waiver[key], head.LocationOf(waiver));
            }
        }
    }

    private static string Summary(JToken rule) => $"{rule["kind"]} {rule["enforcement"]} {rule["severity"]}";
}
