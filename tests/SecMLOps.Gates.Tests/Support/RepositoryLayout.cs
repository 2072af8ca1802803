namespace SecMLOps.Gates.Tests.Support;

/// <summary>Where the repository, its built CLI and the shared fixtures are, seen from the test assembly.</summary>
internal static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    /// <summary>The configuration the tests were built in; the CLI was built in the same one.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar).Reverse().Skip(2).First();

    public static string CliDll => Path.Combine(Root, "src", "SecMLOps.Gates.Cli", "bin", Configuration, "net10.0", "secmlops-gate.dll");

    public static string Fixtures => Path.GetFullPath(Path.Combine(Root, "..", "shared", "fixtures"));

    /// <summary>
    /// The shared fixtures sit beside the repository. A user's clone may lack them, and then fixture
    /// tests return early; under CI=true a missing folder fails, so a wrong path cannot pass silently.
    /// </summary>
    public static bool FixturesPresent()
    {
        if (Directory.Exists(Fixtures))
            return true;
        if (Environment.GetEnvironmentVariable("CI") == "true")
            throw new InvalidOperationException($"CI=true but the shared fixtures are missing at {Fixtures}");
        return false;
    }

    public static string Fixture(params string[] parts) => Path.Combine([Fixtures, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SecMLOps.Gates.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("SecMLOps.Gates.sln not found above the test assembly");
    }
}
