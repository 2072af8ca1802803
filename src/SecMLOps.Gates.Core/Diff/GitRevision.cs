using System.Diagnostics;
using SecMLOps.Gates.Findings;

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
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-C");
        start.ArgumentList.Add(repository);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("git could not be started");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new GateInputException(EngineRules.InputMissing,
                $"git {string.Join(' ', arguments)} failed: {(error.Trim().Length > 0 ? error.Trim() : $"'{revision}' is not a commit")}",
                new SourceLocation(repository, 0, 0));
        return output.Result;
    }
}
