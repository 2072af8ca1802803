using System.Diagnostics;

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
    private HashSet<string>? _tracked;

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
            if (!trackedFilesAllowed && Tracked().Contains(root.Relative(fullPath)))
                return "is a file git tracks; outputs go to untracked (ignored) paths";
        }
        return null;
    }

    /// <summary>The path with every link along it resolved, so that two names of one file compare equal.</summary>
    private static string Canonical(string fullPath)
    {
        var full = Path.GetFullPath(fullPath);
        return RepositoryRoot.RealPath(full) ?? full;
    }

    /// <summary>The repository's tracked files; none when it is not a git work tree (or git is absent).</summary>
    private HashSet<string> Tracked()
    {
        if (_tracked is not null)
            return _tracked;
        _tracked = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { "-C", root.FullPath, "ls-files", "-z" })
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode == 0)
                _tracked.UnionWith(output.Result.Split('\0', StringSplitOptions.RemoveEmptyEntries));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // git is not installed: nothing is known to be tracked; inputs and .git are still refused.
        }
        return _tracked;
    }
}
