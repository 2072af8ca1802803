using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Diff;

/// <summary>The files of one git revision, or of the working tree when the revision is null.</summary>
public sealed class GitRevision(string repository, string? revision)
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    public string Name => revision ?? "working tree";

    /// <summary>Repository-relative paths of the YAML and JSON files at this revision.</summary>
    public IReadOnlyList<string> Files()
    {
        var listing = revision is null
            ? Git("ls-files", "-z", "--cached", "--others", "--exclude-standard")
            : Git("ls-tree", "-r", "-z", "--name-only", revision);
        return listing.Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => Extensions.Contains(Path.GetExtension(p), StringComparer.OrdinalIgnoreCase))
            .Where(p => revision is not null || File.Exists(Path.Combine(repository, p)))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public string Read(string path) =>
        revision is null ? File.ReadAllText(Path.Combine(repository, path)) : Git("show", $"{revision}:{path}");

    /// <summary>Checks the revision names a commit, so that a typo is a clear error rather than an empty diff.</summary>
    public void Verify()
    {
        if (revision is not null)
            Git("rev-parse", "--verify", "--quiet", $"{revision}^{{commit}}");
    }

    private string Git(params string[] arguments)
    {
        var (output, failure) = UntrustedGit.Run(repository, arguments);
        if (output is null)
            throw new GateInputException(EngineRules.InputMissing,
                $"git {string.Join(' ', arguments)} failed: {(failure is { Length: > 0 } ? failure : $"'{revision}' is not a commit")}",
                new SourceLocation(repository, 0, 0));
        return output;
    }
}
