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
    /// Resolves an input a policy declares (see <see cref="Resolve"/>) and says what is wrong with it, if anything:
    /// a file must exist and be no Git LFS pointer; a folder must exist and hold only what a folder input may.
    /// </summary>
    public (string Full, string? Problem) ResolveInput(string baseDirectory, string relativePath, SourceLocation declaredAt, bool folder)
    {
        var full = Resolve(baseDirectory, relativePath, declaredAt);
        var problem = folder
            ? Directory.Exists(full) ? null : File.Exists(full) ? "is a file, not a folder" : "does not exist"
            : File.Exists(full) ? GitLfsPointer.Problem(full) : Directory.Exists(full) ? "is a folder, not a file" : "does not exist";
        if (folder && problem is null)
            RequireOrdinaryContents(full, relativePath, declaredAt);
        return (full, problem);
    }

    /// <summary>
    /// A folder input (images, a model directory) is read and hashed file by file, so what it holds obeys
    /// the rule its own path does: a link to a file must stay inside the repository, a link to a folder is
    /// refused (listings follow it, over and over where it points back up), and so is a FIFO, device or socket.
    /// </summary>
    private void RequireOrdinaryContents(string folder, string relativePath, SourceLocation declaredAt)
    {
        var listing = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = false };
        var pending = new Stack<DirectoryInfo>([new DirectoryInfo(folder)]);
        while (pending.TryPop(out var directory))
        {
            IEnumerable<FileSystemInfo> entries;
            try
            {
                entries = directory.EnumerateFileSystemInfos("*", listing).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new GateInputException(EngineRules.InputMissing, $"'{relativePath}' cannot be listed: {e.Message}", declaredAt);
            }
            foreach (var entry in entries)
            {
                string Name() => $"'{relativePath.TrimEnd('/')}/{Path.GetRelativePath(folder, entry.FullName).Replace(Path.DirectorySeparatorChar, '/')}'";
                if (entry.LinkTarget is not null)
                {
                    if (RealPath(entry.FullName) is not { } target)
                        throw new GateInputException(EngineRules.PathRefused, $"{Name()} goes through a symbolic-link loop", declaredAt);
                    if (Directory.Exists(target))
                        throw new GateInputException(EngineRules.PathRefused, $"{Name()} is a symbolic link to a folder; a folder input holds files and folders, and links to files only", declaredAt);
                    if (!Contains(target))
                        throw new GateInputException(EngineRules.PathRefused, $"{Name()} is a symbolic link that resolves outside the repository root {FullPath}", declaredAt);
                }
                else if (entry is DirectoryInfo child)
                {
                    pending.Push(child);
                    continue;
                }
                if (Inputs.SpecialFiles.NotRegular(entry.FullName) is { } what)
                    throw new GateInputException(EngineRules.InputMissing, $"{Name()} is {what}, not a file; the gate reads regular files only", declaredAt);
            }
        }
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
