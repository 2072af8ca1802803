using System.CommandLine;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Commands;

/// <summary>The --repo-root option every command that reads repository files takes, the engine's and the gates' alike.</summary>
public static class RepositoryRootOption
{
    public static Option<DirectoryInfo?> Create() => new("--repo-root")
    {
        Description = "The folder every path must stay in. Default: the nearest folder above the current one that holds .git.",
    };

    public static RepositoryRoot Resolve(DirectoryInfo? option) =>
        option is null ? RepositoryRoot.Discover(Directory.GetCurrentDirectory()) : RepositoryRoot.At(option.FullName);
}
