using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Engine;

/// <summary>A file the gate should read, and what its top-level 'kind' says it is.</summary>
public sealed record DiscoveredDocument(string FullPath, string Kind)
{
    public const string GatePolicy = "GatePolicy";
    public const string ThreatModel = "ThreatModel";
}

/// <summary>
/// Expands the paths a user named: files are taken as they are; folders are searched for YAML and
/// JSON files whose apiVersion is secmlops.gates/v1 (other files, such as the schemas, are left out).
/// </summary>
public static class DocumentDiscovery
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.Ordinal) { ".git", "bin", "obj", "node_modules" };

    public static (IReadOnlyList<DiscoveredDocument> Documents, IReadOnlyList<Finding> Errors) Discover(IEnumerable<string> paths, RepositoryRoot root)
    {
        var documents = new List<DiscoveredDocument>();
        var errors = new List<Finding>();
        foreach (var path in paths)
        {
            var full = Path.GetFullPath(path);
            if (Directory.Exists(full))
            {
                if (!root.Contains(full))
                {
                    errors.Add(Finding.Error(EngineRules.PathOutsideRepository.Id, path, $"the folder lies outside the repository root {root.FullPath}", new SourceLocation(path, 0, 0)));
                    continue;
                }
                foreach (var file in FilesUnder(full))
                {
                    if (KindOf(file, root) is { } kind)
                        documents.Add(new DiscoveredDocument(file, kind));
                }
            }
            else if (File.Exists(full))
            {
                documents.Add(new DiscoveredDocument(full, (root.Contains(full) ? KindOf(full, root) : null) ?? DiscoveredDocument.GatePolicy));
            }
            else
            {
                errors.Add(Finding.Error(EngineRules.InputMissing.Id, path, $"no such file or folder: {path}", new SourceLocation(path, 0, 0)));
            }
        }
        return (documents.DistinctBy(d => d.FullPath).OrderBy(d => d.FullPath, StringComparer.Ordinal).ToList(), errors);
    }

    private static IEnumerable<string> FilesUnder(string directory)
    {
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            if (Extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
                yield return file;
        }
        foreach (var child in Directory.EnumerateDirectories(directory))
        {
            if (SkippedFolders.Contains(Path.GetFileName(child)))
                continue;
            foreach (var file in FilesUnder(child))
                yield return file;
        }
    }

    /// <summary>GatePolicy or ThreatModel for our files; a file that does not parse is kept as a policy, so its error is reported.</summary>
    private static string? KindOf(string file, RepositoryRoot root)
    {
        try
        {
            var document = SourceDocument.Load(file, root.Relative(file));
            return (string?)document.Root["apiVersion"] == "secmlops.gates/v1" ? (string?)document.Root["kind"] ?? DiscoveredDocument.GatePolicy : null;
        }
        catch (GateInputException)
        {
            return DiscoveredDocument.GatePolicy;
        }
    }
}
