using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Documents;

namespace SecMLOps.Gates.Diff;

/// <summary>Classifies the changes between two revisions of one ThreatModel document.</summary>
internal static class ThreatModelDiffer
{
    private static readonly string[] Likelihood = ["N", "L", "M", "H"];
    private static readonly string[] Impact = ["low", "medium", "severe"];
    private static readonly string[] Status = ["open", "accepted", "mitigated"];

    /// <summary>Evidence backing a control: a removed entry weakens it.</summary>
    private static readonly JObject EvidenceSchema = new() { ["x-stricter"] = "more-items" };

    public static void Compare(ChangeLog log, SourceDocument base_, SourceDocument head, SettingsDiffer evidence)
    {
        var before = ById(base_.Root["spec"]?["elements"]);
        var after = ById(head.Root["spec"]?["elements"]);
        foreach (var (id, element) in before.Where(p => !after.ContainsKey(p.Key)))
            log.Add(id, ChangeEffect.Weakening, $"element {id} ({element["name"]}) removed from the threat model", element["type"], null);
        foreach (var (id, element) in after.Where(p => !before.ContainsKey(p.Key)))
            log.Add(id, ChangeEffect.Strengthening, $"element {id} ({element["name"]}) added", null, element["type"], head.LocationOf(element));
        foreach (var (id, element) in after.Where(p => before.ContainsKey(p.Key)))
            CompareElement(log, head, id, before[id], element);

        var oldControls = ById(base_.Root["spec"]?["controls"]);
        var newControls = ById(head.Root["spec"]?["controls"]);
        foreach (var (id, control) in oldControls.Where(p => !newControls.ContainsKey(p.Key)))
            log.Add($"control {id}", ChangeEffect.Weakening, $"control {id} removed", control["description"], null);
        foreach (var (id, control) in newControls.Where(p => !oldControls.ContainsKey(p.Key)))
            log.Add($"control {id}", ChangeEffect.Strengthening, $"control {id} added", null, control["description"], head.LocationOf(control));
        foreach (var (id, control) in newControls.Where(p => oldControls.ContainsKey(p.Key)))
            evidence.Compare($"control {id}", "evidence", oldControls[id]["evidence"], control["evidence"], EvidenceSchema);
    }

    private static Dictionary<string, JToken> ById(JToken? list) =>
        (list as JArray ?? []).Where(e => e["id"] is not null).DistinctBy(e => (string)e["id"]!).ToDictionary(e => (string)e["id"]!);

    private static void CompareElement(ChangeLog log, SourceDocument head, string id, JToken before, JToken after)
    {
        if ((bool?)before["outOfScope"] != true && (bool?)after["outOfScope"] == true)
            log.Add($"{id}.outOfScope", ChangeEffect.Weakening, $"element {id} put out of scope", false, true, head.LocationOf(after));
        if (!JToken.DeepEquals(before["type"], after["type"]))
            log.Add($"{id}.type", ChangeEffect.Neutral, $"element {id} changed type", before["type"], after["type"], head.LocationOf(after["type"]!));

        var oldThreats = ByCategory(before);
        var newThreats = ByCategory(after);
        foreach (var (category, threat) in oldThreats.Where(p => !newThreats.ContainsKey(p.Key)))
            log.Add($"{id}/{category}", ChangeEffect.Weakening, $"{id}/{category} assessment removed", Rating(threat), null, head.LocationOf(after));
        foreach (var (category, threat) in newThreats.Where(p => !oldThreats.ContainsKey(p.Key)))
            log.Add($"{id}/{category}", ChangeEffect.Strengthening, $"{id}/{category} assessed", null, Rating(threat), head.LocationOf(threat));
        foreach (var (category, threat) in newThreats.Where(p => oldThreats.ContainsKey(p.Key)))
        {
            var old = oldThreats[category];
            var at = head.LocationOf(threat);
            CompareRank(log, $"{id}/{category}", "likelihood", Likelihood, old, threat, at, higherIsStricter: true);
            CompareRank(log, $"{id}/{category}", "impact", Impact, old, threat, at, higherIsStricter: true);
            CompareRank(log, $"{id}/{category}", "status", Status, old, threat, at, higherIsStricter: true);
            var oldControls = old["controls"]?.Values<string>().ToHashSet() ?? [];
            var newControls = threat["controls"]?.Values<string>().ToHashSet() ?? [];
            foreach (var control in oldControls.Except(newControls))
                log.Add($"{id}/{category}.controls[{control}]", ChangeEffect.Weakening, $"{id}/{category}: control {control} removed", control, null, at);
            foreach (var control in newControls.Except(oldControls))
                log.Add($"{id}/{category}.controls[{control}]", ChangeEffect.Strengthening, $"{id}/{category}: control {control} added", null, control, at);
            var (oldExpiry, newExpiry) = ((string?)old["acceptance"]?["expires"], (string?)threat["acceptance"]?["expires"]);
            if (oldExpiry is not null && newExpiry is not null && string.CompareOrdinal(newExpiry, oldExpiry) > 0)
                log.Add($"{id}/{category}.acceptance", ChangeEffect.Weakening, $"{id}/{category}: acceptance extended", oldExpiry, newExpiry, at);
        }
    }

    // The worst-rated assessment stands for the pair when a category is assessed more than once.
    private static Dictionary<string, JToken> ByCategory(JToken element) =>
        (element["threats"] as JArray ?? []).Where(t => t["category"] is not null)
            .GroupBy(t => (string)t["category"]!)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => Array.IndexOf(Likelihood, (string?)t["likelihood"])).First());

    private static void CompareRank(ChangeLog log, string subject, string key, string[] order, JToken before, JToken after, Findings.SourceLocation at, bool higherIsStricter)
    {
        var (old, current) = ((string?)before[key], (string?)after[key]);
        if (old == current || old is null || current is null)
            return;
        if (Array.IndexOf(order, old) < 0 || Array.IndexOf(order, current) < 0)
        {
            // not-rated is no rank: a rating that appears or disappears is listed for the reviewer.
            log.Add($"{subject}.{key}", ChangeEffect.Neutral, $"{subject} {key} changed", old, current, at);
            return;
        }
        var raised = Array.IndexOf(order, current) > Array.IndexOf(order, old);
        var effect = raised == higherIsStricter ? ChangeEffect.Strengthening : ChangeEffect.Weakening;
        log.Add($"{subject}.{key}", effect, $"{subject} {key} {(raised ? "raised" : "lowered")}", old, current, at);
    }

    private static string Rating(JToken threat) => $"{threat["likelihood"]}/{threat["impact"]} {threat["status"]}";
}
