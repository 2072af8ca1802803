using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Diff;

/// <summary>The changes to every policy and threat model between two revisions.</summary>
public sealed record PolicyDiffReport(string BaseName, string HeadName, IReadOnlyList<FileDiff> Files, IReadOnlyList<Finding> Errors)
{
    public IEnumerable<PolicyChange> Changes => Files.SelectMany(f => f.Changes);
}

/// <summary>One file's changes and its metadata.version on both sides (null where the file is absent).</summary>
public sealed record FileDiff(string Path, string Kind, string? BaseVersion, string? HeadVersion, IReadOnlyList<PolicyChange> Changes)
{
    public bool Weakens => Changes.Any(c => c.Effect == ChangeEffect.Weakening);

    /// <summary>
    /// A weakening must come with a higher major metadata.version (what the policy guarantees is no
    /// longer what it was: a breaking change, as the schema says), so reviewers and auditors can tell
    /// the policies apart. A removed file has no version left to raise: its removal always needs a reviewer.
    /// </summary>
    public bool MissesVersionBump => Weakens && BaseVersion is not null && (HeadVersion is null || !SemanticVersion.IsMajorGreater(HeadVersion, BaseVersion));
}

/// <summary>Compares every GatePolicy and ThreatModel between two git revisions.</summary>
public static class PolicyDiff
{
    public static PolicyDiffReport Compare(GitRevision base_, GitRevision head, PolicySchema schema)
    {
        base_.Verify();
        head.Verify();
        var errors = new List<Finding>();
        var before = Documents(base_, schema, errors, reportErrors: false);
        var after = Documents(head, schema, errors, reportErrors: true);
        var files = new List<FileDiff>();
        var renamed = Renames(before, after);
        foreach (var path in before.Keys.Union(after.Keys).Where(p => !renamed.ContainsKey(p)).Order(StringComparer.Ordinal))
        {
            var old = before.GetValueOrDefault(renamed.FirstOrDefault(r => r.Value == path).Key ?? path);
            var current = after.GetValueOrDefault(path);
            var kind = (string)(current ?? old)!.Root["kind"]!;
            var log = new ChangeLog(path, new SourceLocation(path, current is null ? 0 : 1, current is null ? 0 : 1));
            if (old is not null && current is not null && old.Path != path)
                log.Add(path, ChangeEffect.Neutral, $"{kind} {Name(current)} moved from {old.Path}", old.Path, path);
            if (old is null)
                log.Add(path, ChangeEffect.Strengthening, $"{kind} added", null, Version(current!));
            else if (current is null)
                log.Add(path, ChangeEffect.Weakening, $"{kind} removed", Version(old), null);
            else if ((string?)old.Root["kind"] != kind)
                log.Add(path, ChangeEffect.Weakening, $"the file changed kind from {old.Root["kind"]} to {kind}", old.Root["kind"], kind);
            else if (kind == "GatePolicy")
                PolicyDiffer.Compare(log, old, current, schema);
            else
                ThreatModelDiffer.Compare(log, old, current, new SettingsDiffer(log, current, schema));
            if (old is not null && current is not null && Version(old) != Version(current))
                log.Add($"{path}#metadata.version", ChangeEffect.Neutral, "metadata.version changed", Version(old), Version(current), current.LocationOf(current.Root["metadata"]!["version"]!));
            if (log.Changes.Count > 0)
                files.Add(new FileDiff(path, kind, old is null ? null : Version(old), current is null ? null : Version(current), log.Changes));
        }
        return new PolicyDiffReport(base_.Name, head.Name, files, errors);
    }

    /// <summary>
    /// The policies and threat models of a revision that match their schema (only those can be compared
    /// safely). On the head side, one of ours that does not parse or validate is an error; on the base
    /// side it is left out (the file then shows as added).
    /// </summary>
    private static Dictionary<string, SourceDocument> Documents(GitRevision revision, PolicySchema schema, List<Finding> errors, bool reportErrors)
    {
        var documents = new Dictionary<string, SourceDocument>(StringComparer.Ordinal);
        foreach (var path in revision.Files())
        {
            var text = revision.Read(path);
            if (!text.Contains(Engine.DocumentDiscovery.ApiVersion, StringComparison.Ordinal))
                continue;
            try
            {
                var document = SourceDocument.Parse(text, path);
                if (document.Root["apiVersion"] is not JValue { Value: Engine.DocumentDiscovery.ApiVersion })
                    continue;
                var problems = document.Root["kind"] switch
                {
                    JValue { Value: "GatePolicy" } => SchemaValidator.Validate(document, schema.Compiled),
                    JValue { Value: "ThreatModel" } => SchemaValidator.Validate(document, SchemaCatalog.Get(SchemaCatalog.ThreatModel)),
                    _ => null,
                };
                if (problems is null)
                    continue;
                if (problems.Count == 0)
                    documents[path] = document;
                else if (reportErrors)
                    errors.Add(problems[0] with { Message = $"{problems[0].Message}; the file cannot be compared until it validates ({problems.Count} problem(s): run secmlops-gate validate)" });
            }
            catch (GateInputException e) when (reportErrors)
            {
                errors.Add(e.ToFinding(path));
            }
            catch (GateInputException)
            {
                // The old side did not parse: nothing to compare it with.
            }
        }
        return documents;
    }

    private static string? Version(SourceDocument document) => (string?)document.Root["metadata"]?["version"];

    private static string? Name(SourceDocument document) => (string?)document.Root["metadata"]?["name"];

    /// <summary>
    /// A file that disappears where one of the same kind and metadata.name appears was moved: the two
    /// are compared, so that a move cannot hide a weakening behind "removed" and "added". Old path to new.
    /// </summary>
    private static Dictionary<string, string> Renames(Dictionary<string, SourceDocument> before, Dictionary<string, SourceDocument> after)
    {
        var renames = new Dictionary<string, string>(StringComparer.Ordinal);
        var added = after.Where(p => !before.ContainsKey(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        foreach (var (path, old) in before.Where(p => !after.ContainsKey(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var match = added.FindIndex(a => (string?)a.Value.Root["kind"] == (string?)old.Root["kind"] && Name(a.Value) == Name(old));
            if (match < 0)
                continue;
            renames[path] = added[match].Key;
            added.RemoveAt(match);
        }
        return renames;
    }
}
