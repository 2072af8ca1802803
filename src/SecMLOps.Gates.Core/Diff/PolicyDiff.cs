using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;

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

/// <summary>
/// Compares every document of the gate's (a GatePolicy, and each kind a gate registers: threat
/// models, baselines) between two git revisions. A document of the gate's apiVersion whose kind no
/// gate registers is an error on the head side: it cannot be judged, so it is never passed over.
/// </summary>
public static class PolicyDiff
{
    public static PolicyDiffReport Compare(GitRevision base_, GitRevision head, GateRegistry registry)
    {
        base_.Verify();
        head.Verify();
        var schema = registry.Schema;
        var errors = new List<Finding>();
        var before = Documents(base_, registry, errors, reportErrors: false);
        var after = Documents(head, registry, errors, reportErrors: true);
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
            var documentKind = registry.FindDocumentKind(kind);
            var loosens = documentKind?.Loosens == true;
            if (old is null)
                log.Add(path, loosens ? ChangeEffect.Weakening : ChangeEffect.Strengthening, $"{kind} added", null, Version(current!));
            else if (current is null)
                log.Add(path, loosens ? ChangeEffect.Strengthening : ChangeEffect.Weakening, $"{kind} removed", Version(old), null);
            else if ((string?)old.Root["kind"] != kind)
                log.Add(path, ChangeEffect.Weakening, $"the file changed kind from {old.Root["kind"]} to {kind}", old.Root["kind"], kind);
            else if (kind == GateRegistry.GatePolicyKind)
                PolicyDiffer.Compare(log, old, current, schema);
            else
                documentKind!.Compare(log, old, current, schema);
            if (old is not null && current is not null && Version(old) != Version(current))
                log.Add($"{path}#metadata.version", ChangeEffect.Neutral, "metadata.version changed", Version(old), Version(current), current.LocationOf(current.Root["metadata"]!["version"]!));
            if (log.Changes.Count > 0)
                files.Add(new FileDiff(path, kind, old is null ? null : Version(old), current is null ? null : Version(current), log.Changes));
        }
        return new PolicyDiffReport(base_.Name, head.Name, files, errors);
    }

    /// <summary>
    /// The documents of a revision that match their kind's schema (only those can be compared safely).
    /// On the head side, one of ours that does not parse or validate, or whose kind is unknown, is an
    /// error; on the base side it is left out (the file then shows as added).
    /// </summary>
    private static Dictionary<string, SourceDocument> Documents(GitRevision revision, GateRegistry registry, List<Finding> errors, bool reportErrors)
    {
        var documents = new Dictionary<string, SourceDocument>(StringComparer.Ordinal);
        foreach (var path in revision.Files())
        {
            var text = revision.Read(path);
            if (!text.Contains(DocumentDiscovery.ApiVersion, StringComparison.Ordinal))
                continue;
            try
            {
                var document = SourceDocument.Parse(text, path);
                if (document.Root["apiVersion"] is not JValue { Value: DocumentDiscovery.ApiVersion })
                    continue;
                var kind = (document.Root["kind"] as JValue)?.Value as string;
                var schema = kind == GateRegistry.GatePolicyKind ? registry.Schema.Compiled : kind is null ? null : registry.FindDocumentKind(kind)?.Schema;
                if (schema is null)
                {
                    if (reportErrors)
                        errors.Add(Finding.Error(EngineRules.SchemaViolation.Id, path,
                            $"kind '{document.Root["kind"]}' is not a document kind the gate knows ({string.Join(", ", registry.DocumentKinds.Select(d => d.Name).Prepend(GateRegistry.GatePolicyKind))}); the diff cannot judge it",
                            document.LocationOf(document.Root["kind"] ?? document.Root)));
                    continue;
                }
                var problems = SchemaValidator.Validate(document, schema);
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
