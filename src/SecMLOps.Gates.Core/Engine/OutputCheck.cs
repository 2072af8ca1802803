using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Engine;

/// <summary>
/// Keeps every file a command writes (reports, plots, quarantine files, baselines, signatures) off
/// what it must not touch: an input of the command, anything under .git, an existing folder and,
/// unless the output is a file teams commit (a signature, a regenerated document), a file git
/// tracks. Paths are compared with every symbolic link resolved, so a linked folder is no way
/// around it. A refused output is never written.
/// </summary>
public sealed class OutputCheck(RepositoryRoot root, IEnumerable<string> inputs, bool trackedFilesAllowed = false)
{
    private readonly HashSet<string> _inputs = new(inputs.Select(Canonical), StringComparer.Ordinal);
    private (HashSet<string> Files, string? Failure)? _tracked;

    public void AddInput(string fullPath) => _inputs.Add(Canonical(fullPath));

    /// <summary>Why the path may not be written, or null when it may.</summary>
    public string? Problem(string fullPath)
    {
        fullPath = Path.GetFullPath(fullPath);
        if (Directory.Exists(fullPath))
            return "is an existing folder";
        if (_inputs.Contains(Canonical(fullPath)))
            return "is an input of this command and would be overwritten";
        if (root.Contains(fullPath))
        {
            if (root.IsInGitFolder(fullPath))
                return "lies in the repository's .git folder";
            if (!trackedFilesAllowed)
            {
                var (tracked, failure) = Tracked();
                if (failure is not null)
                    return $"cannot be checked against the files git tracks (git ls-files failed: {failure}); outputs are refused until git can list them";
                if (tracked.Contains(root.Relative(fullPath)))
                    return "is a file git tracks; outputs go to untracked (ignored) paths";
            }
        }
        return null;
    }

    /// <summary>The path with every link along it resolved, so that two names of one file compare equal.</summary>
    private static string Canonical(string fullPath)
    {
        var full = Path.GetFullPath(fullPath);
        return RepositoryRoot.RealPath(full) ?? full;
    }

    /// <summary>
    /// The repository's tracked files, or why they cannot be known. A folder with no git index tracks
    /// nothing; where an index exists and git cannot list it (another user's checkout, a damaged
    /// index, git missing) the check fails closed: every output inside the repository is refused.
    /// </summary>
    private (HashSet<string> Files, string? Failure) Tracked()
    {
        if (_tracked is { } known)
            return known;
        if (GitIndex(root.FullPath) is not { } index || !File.Exists(index))
            return (_tracked = (new HashSet<string>(StringComparer.Ordinal), null)).Value;
        var (output, failure) = UntrustedGit.Run(root.FullPath, "ls-files", "-z");
        return (_tracked = output is null
            ? (new HashSet<string>(StringComparer.Ordinal), failure)
            : (new HashSet<string>(output.Split('\0', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal), null)).Value;
    }

    /// <summary>The index file of the work tree at the root: .git/index, or the one of the git folder a .git file points to (worktrees, submodules).</summary>
    private static string? GitIndex(string rootPath)
    {
        var dotGit = Path.Combine(rootPath, ".git");
        if (Directory.Exists(dotGit))
            return Path.Combine(dotGit, "index");
        if (!File.Exists(dotGit))
            return null;
        var pointer = File.ReadLines(dotGit).FirstOrDefault() ?? "";
        const string prefix = "gitdir:";
        // An unreadable pointer names no index the gate could trust to be empty: let git answer (and fail closed).
        return pointer.StartsWith(prefix, StringComparison.Ordinal)
            ? Path.Combine(Path.GetFullPath(Path.Combine(rootPath, pointer[prefix.Length..].Trim())), "index")
            : dotGit;
    }
}
