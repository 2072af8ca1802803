using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Tests.Support;

/// <summary>A throw-away repository folder (it holds .git) for tests that write policies and models.</summary>
internal sealed class ScratchRepository : IDisposable
{
    public ScratchRepository()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "secmlops-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(System.IO.Path.Combine(Path, ".git"));
    }

    public string Path { get; }

    public RepositoryRoot Root => RepositoryRoot.At(Path);

    public string Write(string relativePath, string contents)
    {
        var full = Full(relativePath);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, contents);
        return full;
    }

    public string Full(string relativePath) => System.IO.Path.Combine(Path, relativePath);

    /// <summary>Copies a file of this repository (e.g. the sample threat model) into the scratch one.</summary>
    public string CopyFromRepository(string repositoryPath, string relativePath) =>
        Write(relativePath, File.ReadAllText(System.IO.Path.Combine(RepositoryLayout.Root, repositoryPath)));

    /// <summary>Copies a folder of this repository (a sample) into the scratch one at the same path, as a team would have it in its own.</summary>
    public void CopyFolderFromRepository(string repositoryFolder)
    {
        foreach (var file in Directory.GetFiles(System.IO.Path.Combine(RepositoryLayout.Root, repositoryFolder), "*", SearchOption.AllDirectories))
        {
            var target = Full(System.IO.Path.GetRelativePath(RepositoryLayout.Root, file));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
