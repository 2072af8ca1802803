using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.StrideCoverage;

/// <summary>
/// Classifies the changes between two revisions of one ThreatModel document, in the STRIDE gate's
/// terms: what it must assess (scope, the applicable categories), how serious each pair is (an
/// unrated impact counts as the most serious), and what answers it (controls, their evidence, an
/// acceptance). Every other field that changes is listed as neutral: nothing is left out.
/// </summary>
internal static class ThreatModelDiffer
{
    private static readonly string[] Likelihood = ["N", "L", "M", "H"];

    /// <summary>The gate judges an unrated impact as serious and reports it, so a rating replacing it lowers the bar.</summary>
    private static readonly string[] Impact = ["low", "medium", "severe", "not-rated"];

    /// <summary>Evidence backing a control: a removed entry weakens it.</summary>
    private static readonly JObject EvidenceSchema = new() { ["x-stricter"] = "more-items" };

    private static readonly HashSet<string> ElementKeysJudged = ["id", "type", "holdsAuditLogs", "applicable", "outOfScope", "threats"];
    private static readonly HashSet<string> ControlKeysJudged = ["id", "evidence"];
    private static readonly HashSet<string> ThreatKeysJudged = ["category", "likelihood", "impact", "status", "controls", "acceptance"];

    private static readonly HashSet<string> SpecKeysJudged = ["elements", "controls", "trustBoundaries"];

    /// <summary>The version is compared for every kind of document, by the diff itself.</summary>
    private static readonly HashSet<string> MetadataKeysJudged = ["version"];

    public static void Compare(ChangeLog log, SourceDocument base_, SourceDocument head, PolicySchema schema)
    {
        var evidence = new SettingsDiffer(log, head, schema);
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
        {
            evidence.Compare($"control {id}", "evidence", oldControls[id]["evidence"], control["evidence"], EvidenceSchema);
            log.ListOtherFields(head, $"control {id}", oldControls[id], control, ControlKeysJudged);
        }

        var (oldBoundaries, newBoundaries) = (base_.Root["spec"]?["trustBoundaries"], head.Root["spec"]?["trustBoundaries"]);
        if (!JToken.DeepEquals(oldBoundaries, newBoundaries))
            log.Add("trustBoundaries", ChangeEffect.Neutral, "trust boundaries changed", oldBoundaries, newBoundaries,
                newBoundaries is null ? null : head.LocationOf(newBoundaries));
        log.ListOtherFields(head, "spec", base_.Root["spec"], head.Root["spec"], SpecKeysJudged);
        log.ListOtherFields(head, "metadata", base_.Root["metadata"], head.Root["metadata"], MetadataKeysJudged);
    }

    private static Dictionary<string, JToken> ById(JToken? list) =>
        (list as JArray ?? []).Where(e => e["id"] is not null).DistinctBy(e => (string)e["id"]!).ToDictionary(e => (string)e["id"]!);

    private static void CompareElement(ChangeLog log, SourceDocument head, string id, JToken before, JToken after)
    {
        var at = head.LocationOf(after);
        var (wasOut, isOut) = ((bool?)before["outOfScope"] == true, (bool?)after["outOfScope"] == true);
        if (wasOut != isOut)
            log.Add($"{id}.outOfScope", isOut ? ChangeEffect.Weakening : ChangeEffect.Strengthening,
                $"element {id} {(isOut ? "put out of scope" : "brought into scope")}", wasOut, isOut, at);

        // Type, holdsAuditLogs and applicable decide together which categories must be assessed.
        var (oldCategories, newCategories) = (Categories(before), Categories(after));
        var dropped = oldCategories.Except(newCategories).ToList();
        var added = newCategories.Except(oldCategories).ToList();
        if (dropped.Count > 0 || added.Count > 0)
            log.Add($"{id}.applicable", dropped.Count > 0 ? ChangeEffect.Weakening : ChangeEffect.Strengthening,
                $"element {id} must now be assessed for {string.Concat(newCategories)}" +
                (dropped.Count > 0 ? $" ({string.Concat(dropped)} no longer)" : "") + (added.Count > 0 ? $" ({string.Concat(added)} too)" : ""),
                string.Concat(oldCategories), string.Concat(newCategories), at);
        else
            foreach (var key in new[] { "type", "holdsAuditLogs", "applicable" }.Where(k => !JToken.DeepEquals(before[k], after[k])))
                log.Add($"{id}.{key}", ChangeEffect.Neutral, $"element {id}: {key} changed (the categories it is assessed for stay {string.Concat(newCategories)})", before[key], after[key], at);
        log.ListOtherFields(head, $"element {id}", before, after, ElementKeysJudged);
        CompareThreats(log, head, id, before, after);
    }

    /// <summary>The categories an element must be assessed for, as the gate decides them.</summary>
    private static IReadOnlyList<char> Categories(JToken element) =>
        element["applicable"] is JArray listed
            ? listed.Values<string>().Select(c => c![0]).Distinct().Order().ToList()
            : Stride.PerElement(ElementTypeNames.SchemaWords.Parse((string)element["type"]!), (bool?)element["holdsAuditLogs"] ?? false)
                .OrderBy(c => c).ToList();

    /// <summary>Assessments are paired within a category in the order they are listed; an unpaired one was added or removed.</summary>
    private static void CompareThreats(ChangeLog log, SourceDocument head, string id, JToken before, JToken after)
    {
        var oldThreats = ByCategory(before);
        var newThreats = ByCategory(after);
        foreach (var category in oldThreats.Keys.Union(newThreats.Keys).Order(StringComparer.Ordinal))
        {
            var olds = oldThreats.GetValueOrDefault(category) ?? [];
            var news = newThreats.GetValueOrDefault(category) ?? [];
            for (var i = 0; i < Math.Max(olds.Count, news.Count); i++)
            {
                var pair = olds.Count > 1 || news.Count > 1 ? $"{id}/{category}#{i + 1}" : $"{id}/{category}";
                if (i >= news.Count)
                    log.Add(pair, ChangeEffect.Weakening, $"{pair} assessment removed", Rating(olds[i]), null, head.LocationOf(after));
                else if (i >= olds.Count)
                    log.Add(pair, ChangeEffect.Strengthening, $"{pair} assessed", null, Rating(news[i]), head.LocationOf(news[i]));
                else
                    CompareThreat(log, head, pair, olds[i], news[i]);
            }
        }
    }

    private static void CompareThreat(ChangeLog log, SourceDocument head, string pair, JToken old, JToken threat)
    {
        var at = head.LocationOf(threat);
        CompareRank(log, pair, "likelihood", Likelihood, old, threat, at);
        CompareRank(log, pair, "impact", Impact, old, threat, at);
        CompareStatus(log, pair, old, threat, at);
        var oldControls = old["controls"]?.Values<string>().ToHashSet() ?? [];
        var newControls = threat["controls"]?.Values<string>().ToHashSet() ?? [];
        foreach (var control in oldControls.Except(newControls))
            log.Add($"{pair}.controls[{control}]", ChangeEffect.Weakening, $"{pair}: control {control} removed", control, null, at);
        foreach (var control in newControls.Except(oldControls))
            log.Add($"{pair}.controls[{control}]", ChangeEffect.Strengthening, $"{pair}: control {control} added", null, control, at);
        CompareAcceptance(log, pair, old["acceptance"], threat["acceptance"], at);
        log.ListOtherFields(head, pair, old, threat, ThreatKeysJudged);
    }

    /// <summary>Accepting a risk answers it without a control: an acceptance that appears or lasts longer weakens.</summary>
    private static void CompareAcceptance(ChangeLog log, string pair, JToken? old, JToken? current, Findings.SourceLocation at)
    {
        if (JToken.DeepEquals(old, current))
            return;
        if (old is null || current is null)
        {
            log.Add($"{pair}.acceptance", old is null ? ChangeEffect.Weakening : ChangeEffect.Strengthening,
                $"{pair}: acceptance {(old is null ? $"added (owner {current!["owner"]}, until {current["expires"]})" : "removed")}", old?["expires"], current?["expires"], at);
            return;
        }
        var (oldExpiry, newExpiry) = ((string?)old["expires"], (string?)current["expires"]);
        if (oldExpiry != newExpiry && oldExpiry is not null && newExpiry is not null)
        {
            var longer = string.CompareOrdinal(newExpiry, oldExpiry) > 0;
            log.Add($"{pair}.acceptance", longer ? ChangeEffect.Weakening : ChangeEffect.Strengthening, $"{pair}: acceptance {(longer ? "extended" : "shortened")}", oldExpiry, newExpiry, at);
        }
        foreach (var key in new[] { "owner", "reason" }.Where(k => !JToken.DeepEquals(old[k], current[k])))
            log.Add($"{pair}.acceptance.{key}", ChangeEffect.Neutral, $"{pair}: acceptance {key} changed", old[key], current[key], at);
    }

    /// <summary>A status of accepted lets an acceptance answer the risk; moving to it weakens, leaving it strengthens, the rest is a description.</summary>
    private static void CompareStatus(ChangeLog log, string pair, JToken before, JToken after, Findings.SourceLocation at)
    {
        var (old, current) = ((string?)before["status"], (string?)after["status"]);
        if (old == current)
            return;
        var effect = current == "accepted" ? ChangeEffect.Weakening : old == "accepted" ? ChangeEffect.Strengthening : ChangeEffect.Neutral;
        log.Add($"{pair}.status", effect, $"{pair} status changed", old, current, at);
    }

    // Repeated assessments of one category are each judged by the gate, so each is compared.
    private static Dictionary<string, List<JToken>> ByCategory(JToken element) =>
        (element["threats"] as JArray ?? []).Where(t => t["category"] is not null)
            .GroupBy(t => (string)t["category"]!)
            .ToDictionary(g => g.Key, g => g.ToList());

    private static void CompareRank(ChangeLog log, string subject, string key, string[] order, JToken before, JToken after, Findings.SourceLocation at)
    {
        var (old, current) = ((string?)before[key], (string?)after[key]);
        if (old == current || old is null || current is null)
            return;
        var raised = Array.IndexOf(order, current) > Array.IndexOf(order, old);
        log.Add($"{subject}.{key}", raised ? ChangeEffect.Strengthening : ChangeEffect.Weakening, $"{subject} {key} {(raised ? "raised" : "lowered")}", old, current, at);
    }

    private static string Rating(JToken threat) => $"{threat["likelihood"]}/{threat["impact"]} {threat["status"]}";
}
