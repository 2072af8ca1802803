using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Inputs;

/// <summary>
/// The folder every path must stay in. Paths are compared after resolving symbolic links, so a
/// link inside the repository that points outside it is refused too; a link loop or a NUL character
/// is refused before anything is opened.
/// </summary>
public sealed class RepositoryRoot
{
    private RepositoryRoot(string fullPath) => FullPath = fullPath;

    /// <summary>Absolute, link-resolved, without a trailing separator.</summary>
    public string FullPath { get; }

    public static RepositoryRoot At(string directory) =>
        new(Path.TrimEndingDirectorySeparator(RealPath(Path.GetFullPath(directory)) ?? Path.GetFullPath(directory)));

    /// <summary>The nearest folder at or above <paramref name="start"/> that holds .git; else <paramref name="start"/> itself.</summary>
    public static RepositoryRoot Discover(string start)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, ".git")) || File.Exists(Path.Combine(dir.FullName, ".git")))
                return At(dir.FullName);
        }
        return At(start);
    }

    /// <summary>Whether the path, links resolved, lies inside the repository (false for a link loop).</summary>
    public bool Contains(string fullPath) =>
        RealPath(Path.GetFullPath(fullPath)) is { } real
        && (real == FullPath || real.StartsWith(FullPath + Path.DirectorySeparatorChar, StringComparison.Ordinal));

    /// <summary>Repository-relative path with forward slashes, as SARIF and the reports print it.</summary>
    public string Relative(string fullPath) =>
        Path.GetRelativePath(FullPath, RealPath(Path.GetFullPath(fullPath)) ?? Path.GetFullPath(fullPath)).Replace(Path.DirectorySeparatorChar, '/');

    /// <summary>Whether the path lies in the repository's .git folder (hooks, config, objects).</summary>
    public bool IsInGitFolder(string fullPath)
    {
        var relative = Relative(fullPath);
        return relative == ".git" || relative.StartsWith(".git/", StringComparison.Ordinal);
    }

    /// <summary>Resolves a policy-relative path; refuses absolute paths, NUL characters, link loops and any path that leaves the repository.</summary>
    public string Resolve(string baseDirectory, string relativePath, SourceLocation declaredAt)
    {
        if (relativePath.Contains('\0'))
            throw new GateInputException(EngineRules.PathRefused, "the path contains a NUL character", declaredAt);
        if (Path.IsPathRooted(relativePath))
            throw new GateInputException(EngineRules.PathRefused, $"'{relativePath}' is absolute; paths must be relative to the policy file", declaredAt);
        var full = Path.GetFullPath(Path.Combine(baseDirectory, relativePath));
        if (RealPath(full) is null)
            throw new GateInputException(EngineRules.PathRefused, $"'{relativePath}' goes through a symbolic-link loop", declaredAt);
        if (!Contains(full))
            throw new GateInputException(EngineRules.PathRefused, $"'{relativePath}' resolves outside the repository root {FullPath}", declaredAt);
        if (Inputs.SpecialFiles.NotRegular(full) is { } what)
            throw new GateInputException(EngineRules.InputMissing, $"'{relativePath}' is {what}, not a file; the gate reads regular files only", declaredAt);
        return full;
    }

    /// <summary>
    /// Follows symbolic links component by component, like realpath(3), for the parts that exist;
    /// null when a link loops (the kernel's own limit of 40 links decides).
    /// </summary>
    internal static string? RealPath(string fullPath)
    {
        var root = Path.GetPathRoot(fullPath)!;
        var current = root;
        foreach (var part in fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.LinkTarget is null)
            {
                current = next;
                continue;
            }
            try
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true);
                current = target is null ? next : RealPath(target.FullName) ?? throw new IOException("link loop");
            }
            catch (IOException)
            {
                return null;
            }
        }
        return current;
    }
}
