using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Engine;

/// <summary>A file the gate should read, and what its top-level 'kind' says it is.</summary>
public sealed record DiscoveredDocument(string FullPath, string Kind);

/// <summary>
/// Expands the paths a user named: files are taken as they are; folders are searched for YAML and
/// JSON files whose apiVersion is secmlops.gates/v1. Other files (schemas, CI configurations, a
/// .pre-commit-hooks.yaml that is a list) are left out, unless they look like ours but are not
/// quite (see <see cref="KindOf"/>), in which case their error is reported.
/// </summary>
public sealed class DocumentDiscovery(GateRegistry gates)
{
    public const string ApiVersion = "secmlops.gates/v1";
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];
    private static readonly HashSet<string> SkippedFolders = new(StringComparer.Ordinal) { ".git", "bin", "obj", "node_modules" };

    public (IReadOnlyList<DiscoveredDocument> Documents, IReadOnlyList<Finding> Errors) Discover(IEnumerable<string> paths, RepositoryRoot root)
    {
        var documents = new List<DiscoveredDocument>();
        var errors = new List<Finding>();
        foreach (var path in paths)
        {
            var at = new SourceLocation(!path.Contains('\0') && root.Contains(Path.GetFullPath(path)) ? root.Relative(Path.GetFullPath(path)) : path, 0, 0);
            if (path.Contains('\0'))
            {
                errors.Add(Finding.Error(EngineRules.PathRefused.Id, path, "the path contains a NUL character", at));
                continue;
            }
            var full = Path.GetFullPath(path);
            if ((Directory.Exists(full) || File.Exists(full)) && !root.Contains(full))
            {
                errors.Add(Finding.Error(EngineRules.PathRefused.Id, path, $"{path} lies outside the repository root {root.FullPath} (or goes through a symbolic-link loop)", at));
                continue;
            }
            if (Directory.Exists(full))
            {
                foreach (var file in FilesUnder(full, root))
                {
                    if (KindOf(file, root, named: false) is { } kind)
                        documents.Add(new DiscoveredDocument(file, kind));
                }
            }
            else if (File.Exists(full))
            {
                documents.Add(new DiscoveredDocument(full, KindOf(full, root, named: true)!));
            }
            else
            {
                errors.Add(Finding.Error(EngineRules.InputMissing.Id, path, $"no such file or folder: {path}", at));
            }
        }
        return (documents.DistinctBy(d => d.FullPath).OrderBy(d => d.FullPath, StringComparer.Ordinal).ToList(), errors);
    }

    private static IEnumerable<string> FilesUnder(string directory, RepositoryRoot root)
    {
        foreach (var file in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
        {
            if (Extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase) && root.Contains(file))
                yield return file;
        }
        foreach (var child in Directory.EnumerateDirectories(directory).Order(StringComparer.Ordinal))
        {
            // A linked folder is not followed: it may loop, or lead out of the repository.
            if (SkippedFolders.Contains(Path.GetFileName(child)) || new DirectoryInfo(child).LinkTarget is not null)
                continue;
            foreach (var file in FilesUnder(child, root))
                yield return file;
        }
    }

    /// <summary>
    /// The document kind (GatePolicy, or one a gate owns) of one of our files; null for a file of
    /// someone else's in a searched folder. A file the user named counts as a policy, and so does a
    /// near miss, so that its error is reported rather than the file passed over: an apiVersion that
    /// names secmlops in another spelling, a kind of ours without an apiVersion, or a file that
    /// mentions secmlops.gates anywhere (however large) but does not parse.
    /// </summary>
    private string? KindOf(string file, RepositoryRoot root, bool named)
    {
        try
        {
            var document = SourceDocument.Load(file, root.Relative(file));
            var apiVersion = document.Root["apiVersion"] as JValue;
            var kind = document.Root["kind"] is JValue { Type: JTokenType.String } given ? (string?)given : null;
            var ours = apiVersion?.Type == JTokenType.String && (string?)apiVersion == ApiVersion;
            var nearMiss = (apiVersion is not null && LooksLikeOurApiVersion(apiVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                || (kind is not null && LooksLikeOurKind(kind));
            if (!ours && !nearMiss && !named)
                return null;
            return kind is not null && gates.FindDocumentKind(kind) is not null ? kind : GateRegistry.GatePolicyKind;
        }
        catch (GateInputException)
        {
            return named || MentionsApiVersion(file) ? GateRegistry.GatePolicyKind : null;
        }
    }

    /// <summary>The apiVersion names secmlops in another spelling, in look-alike letters, or with a slip of up to three characters.</summary>
    private static bool LooksLikeOurApiVersion(string apiVersion) =>
        LookAlike.Skeleton(apiVersion).Contains(LookAlike.Skeleton("secmlops"), StringComparison.Ordinal) || LookAlike.Resembles(apiVersion, ApiVersion, edits: 3);

    /// <summary>The kind is one of ours (GatePolicy, or a document kind a gate owns), or looks like it with at most two slips.</summary>
    private bool LooksLikeOurKind(string kind) =>
        gates.DocumentKinds.Select(d => d.Name).Append(GateRegistry.GatePolicyKind).Any(ours => LookAlike.Resembles(kind, ours, edits: 2));

    /// <summary>Whether the file names secmlops.gates anywhere, in any case; read in pieces, so a file of any size is searched whole.</summary>
    private static bool MentionsApiVersion(string file)
    {
        const string Name = "secmlops.gates";
        // A FIFO or device cannot be searched without blocking or reading forever: it is reported, never passed over.
        if (Inputs.SpecialFiles.NotRegular(file) is not null)
            return true;
        try
        {
            using var reader = new StreamReader(file);
            var buffer = new char[64 * 1024];
            var carried = "";
            int read;
            while ((read = reader.ReadBlock(buffer, 0, buffer.Length)) > 0)
            {
                var text = carried + new string(buffer, 0, read);
                if (text.Contains(Name, StringComparison.OrdinalIgnoreCase))
                    return true;
                carried = text[Math.Max(0, text.Length - Name.Length + 1)..];
            }
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }
}
