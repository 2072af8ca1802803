using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Engine;

/// <summary>
/// The folder every path must stay in. Paths are compared after resolving symbolic links, so a
/// link inside the repository that points outside it is refused too.
/// </summary>
public sealed class RepositoryRoot
{
    private RepositoryRoot(string fullPath) => FullPath = fullPath;

    /// <summary>Absolute, link-resolved, without a trailing separator.</summary>
    public string FullPath { get; }

    public static RepositoryRoot At(string directory) =>
        new(Path.TrimEndingDirectorySeparator(RealPath(Path.GetFullPath(directory))));

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

    public bool Contains(string fullPath)
    {
        var real = RealPath(Path.GetFullPath(fullPath));
        return real == FullPath || real.StartsWith(FullPath + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    /// <summary>Repository-relative path with forward slashes, as SARIF and the reports print it.</summary>
    public string Relative(string fullPath) =>
        Path.GetRelativePath(FullPath, RealPath(Path.GetFullPath(fullPath))).Replace(Path.DirectorySeparatorChar, '/');

    /// <summary>Resolves a policy-relative path; refuses absolute paths and any that leave the repository.</summary>
    public string Resolve(string baseDirectory, string relativePath, SourceLocation declaredAt)
    {
        if (Path.IsPathRooted(relativePath))
            throw new GateInputException(EngineRules.PathOutsideRepository, $"'{relativePath}' is absolute; paths must be relative to the policy file", declaredAt);
        var full = Path.GetFullPath(Path.Combine(baseDirectory, relativePath));
        if (!Contains(full))
            throw new GateInputException(EngineRules.PathOutsideRepository, $"'{relativePath}' resolves outside the repository root {FullPath}", declaredAt);
        return full;
    }

    /// <summary>Follows symbolic links component by component, like realpath(3), for the parts that exist.</summary>
    private static string RealPath(string fullPath)
    {
        var root = Path.GetPathRoot(fullPath)!;
        var current = root;
        foreach (var part in fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            var target = info.Exists && info.LinkTarget is not null ? info.ResolveLinkTarget(returnFinalTarget: true) : null;
            current = target is null ? next : RealPath(target.FullName);
        }
        return current;
    }
}
