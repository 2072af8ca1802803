namespace SecMLOps.Gates.Tests.Support;

/// <summary>A scratch repository with real git history, for the policy diff.</summary>
internal sealed class ScratchGitRepository : IDisposable
{
    private readonly ScratchRepository _files = new();

    public ScratchGitRepository()
    {
        Directory.Delete(System.IO.Path.Combine(Path, ".git"));
        Git("init", "-q", "-b", "main");
    }

    public string Path => _files.Path;

    public void Write(string relativePath, string contents) => _files.Write(relativePath, contents);

    public string FullPath(string relativePath) => _files.Full(relativePath);

    public void Commit(string message)
    {
        Git("add", "-A");
        Git("-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "-m", message);
    }

    public void Git(params string[] arguments)
    {
        var result = ProcessRunner.Run("git", arguments, Path);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"git {string.Join(' ', arguments)}: {result.All}");
    }

    public void Dispose() => _files.Dispose();
}
