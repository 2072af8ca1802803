using SecMLOps.Gates.Documents;
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

    /// <summary>A weakening must come with a higher metadata.version, so reviewers and auditors can tell the policies apart.</summary>
    public bool MissesVersionBump => Weakens && BaseVersion is not null && HeadVersion is not null && !SemanticVersion.IsGreater(HeadVersion, BaseVersion);
}

/// <summary>Compares every GatePolicy and ThreatModel between two git revisions.</summary>
public static class PolicyDiff
{
    public static PolicyDiffReport Compare(GitRevision base_, GitRevision head)
    {
        base_.Verify();
        head.Verify();
        var errors = new List<Finding>();
        var before = Documents(base_, errors, reportErrors: false);
        var after = Documents(head, errors, reportErrors: true);
        var files = new List<FileDiff>();
        foreach (var path in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            var old = before.GetValueOrDefault(path);
            var current = after.GetValueOrDefault(path);
            var kind = (string)(current ?? old)!.Root["kind"]!;
            var log = new ChangeLog(path, new SourceLocation(path, current is null ? 0 : 1, current is null ? 0 : 1));
            if (old is null)
                log.Add(path, ChangeEffect.Strengthening, $"{kind} added", null, Version(current!));
            else if (current is null)
                log.Add(path, ChangeEffect.Weakening, $"{kind} removed", Version(old), null);
            else if ((string?)old.Root["kind"] != kind)
                log.Add(path, ChangeEffect.Weakening, $"the file changed kind from {old.Root["kind"]} to {kind}", old.Root["kind"], kind);
            else if (kind == "GatePolicy")
                PolicyDiffer.Compare(log, old, current);
            else
                ThreatModelDiffer.Compare(log, old, current);
            if (old is not null && current is not null && Version(old) != Version(current))
                log.Add($"{path}#metadata.version", ChangeEffect.Neutral, "metadata.version changed", Version(old), Version(current), current.LocationOf(current.Root["metadata"]!["version"]!));
            if (log.Changes.Count > 0)
                files.Add(new FileDiff(path, kind, old is null ? null : Version(old), current is null ? null : Version(current), log.Changes));
        }
        return new PolicyDiffReport(base_.Name, head.Name, files, errors);
    }

    private static Dictionary<string, SourceDocument> Documents(GitRevision revision, List<Finding> errors, bool reportErrors)
    {
        var documents = new Dictionary<string, SourceDocument>(StringComparer.Ordinal);
        foreach (var path in revision.Files())
        {
            try
            {
                var document = SourceDocument.Parse(revision.Read(path), path);
                if ((string?)document.Root["apiVersion"] == "secmlops.gates/v1" && (string?)document.Root["kind"] is "GatePolicy" or "ThreatModel")
                    documents[path] = document;
            }
            catch (GateInputException e) when (reportErrors && LooksLikeOurs(revision.Read(path)))
            {
                errors.Add(e.ToFinding(path));
            }
            catch (GateInputException)
            {
                // Not parseable and not ours (or the old side): nothing to compare.
            }
        }
        return documents;
    }

    private static bool LooksLikeOurs(string text) => text.Contains("secmlops.gates/v1", StringComparison.Ordinal);

    private static string? Version(SourceDocument document) => (string?)document.Root["metadata"]?["version"];
}
