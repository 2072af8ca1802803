using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Engine;

/// <summary>
/// Judges two revisions of a GateBaseline as the gate reads it: each entry stops a failure from
/// failing the gate, so an entry added, a later expiry, or a different accepted result (the message
/// the gate matches) lowers the bar; an entry removed or an earlier expiry raises it. Owner, reason,
/// ticket and metadata are listed as neutral.
/// </summary>
internal static class BaselineDiffer
{
    private static readonly HashSet<string> EntryKeysJudged = ["fingerprint", "rule", "subject", "message", "expires"];
    private static readonly HashSet<string> MetadataKeysJudged = ["version"];

    public static void Compare(ChangeLog log, SourceDocument before, SourceDocument after, PolicySchema schema)
    {
        var (old, current) = (Entries(before), Entries(after));
        foreach (var (_, entry) in old.Where(e => !current.ContainsKey(e.Key)))
            log.Add(Name(entry), ChangeEffect.Strengthening, $"{Name(entry)} is no longer accepted: it fails the gate again", entry["message"], null);
        foreach (var (_, entry) in current.Where(e => !old.ContainsKey(e.Key)))
            log.Add(Name(entry), ChangeEffect.Weakening, $"{Name(entry)} is accepted until {entry["expires"]} (owner {entry["owner"]}): it no longer fails the gate",
                null, entry["message"], after.LocationOf(entry));
        foreach (var (fingerprint, entry) in current.Where(e => old.ContainsKey(e.Key)))
        {
            var previous = old[fingerprint];
            if (!JToken.DeepEquals(previous["message"], entry["message"]))
                log.Add($"{Name(entry)}.message", ChangeEffect.Weakening, $"{Name(entry)}: a different result is accepted (it may be worse than the one first accepted)",
                    previous["message"], entry["message"], after.LocationOf(entry["message"]!));
            var (wasUntil, isUntil) = ((string)previous["expires"]!, (string)entry["expires"]!);
            if (wasUntil != isUntil)
            {
                // yyyy-MM-dd dates sort as text in calendar order; a valid baseline holds only such dates.
                var later = string.CompareOrdinal(isUntil, wasUntil) > 0;
                log.Add($"{Name(entry)}.expires", later ? ChangeEffect.Weakening : ChangeEffect.Strengthening,
                    $"{Name(entry)} accepted {(later ? "for longer" : "for less long")}", wasUntil, isUntil, after.LocationOf(entry["expires"]!));
            }
            log.ListOtherFields(after, Name(entry), previous, entry, EntryKeysJudged);
        }
        log.ListOtherFields(after, "metadata", before.Root["metadata"], after.Root["metadata"], MetadataKeysJudged);
    }

    private static Dictionary<string, JToken> Entries(SourceDocument document) =>
        ((JArray)document.Root["spec"]!["accepted"]!).DistinctBy(e => (string)e["fingerprint"]!).ToDictionary(e => (string)e["fingerprint"]!);

    private static string Name(JToken entry) => $"accepted {entry["rule"]} '{entry["subject"]}'";
}
