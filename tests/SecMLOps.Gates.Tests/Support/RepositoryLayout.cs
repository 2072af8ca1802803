namespace SecMLOps.Gates.Tests.Support;

/// <summary>Where the repository, its built CLI and the shared fixtures are, seen from the test assembly.</summary>
internal static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    /// <summary>The configuration the tests were built in; the CLI was built in the same one.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Split(Path.DirectorySeparatorChar).Reverse().Skip(2).First();

    public static string CliDll => Path.Combine(Root, "src", "SecMLOps.Gates.Cli", "bin", Configuration, "net10.0", "secmlops-gate.dll");

    /// <summary>A file of the bundled sample's models folder (its models and evaluation set).</summary>
    public static string SampleModels(string file) => Path.Combine(Root, "samples", "ModelService", "models", file);

    public static string Fixtures => Path.GetFullPath(Path.Combine(Root, "..", "shared", "fixtures"));

    /// <summary>
    /// Why fixture tests are skipped: the shared fixtures are not beside the repository (a user's
    /// clone may lack them). Null when they are there, and under CI=true, where the tests then run and
    /// fail, so that a wrong path cannot turn into silent skips.
    /// </summary>
    public static string? FixturesMissingReason =>
        Directory.Exists(Fixtures) || Environment.GetEnvironmentVariable("CI") == "true" ? null
        : $"the shared fixtures are not at {Fixtures} (they sit beside the repository; CI=true makes their absence a failure)";

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
