using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.EndToEnd;

/// <summary>A real `dotnet build` of the bundled sample project, which opts into the gate.</summary>
internal static class SampleBuild
{
    public const string PassingPolicy = "policies/samples/model-service.yaml";
    public const string ViolatedPolicy = "policies/samples/model-service-violated.yaml";

    public static string ProjectDirectory => Path.Combine(RepositoryLayout.Root, "samples", "ModelService");

    /// <summary>The folder where the targets keep what they remember between builds.</summary>
    public static string StateDirectory => Path.Combine(ProjectDirectory, "obj", RepositoryLayout.Configuration, "net10.0", "secmlops-gate");

    /// <summary>
    /// The verdict cache the sample's builds keep in obj/ by default. The CLI and action runs of the
    /// sample policies use it too, so each sample rule is attacked once per test run (and again only
    /// after a change); VerdictCacheTests show that a hit reports what a fresh run does.
    /// </summary>
    public static string VerdictCache => Path.Combine(StateDirectory, "verdict-cache");

    /// <summary>The CLI on a sample policy, with the shared verdict cache.</summary>
    public static ProcessResult Evaluate(string repositoryRelativePolicy, params string[] options) =>
        ProcessRunner.Cli(RepositoryLayout.Root, ["evaluate", repositoryRelativePolicy, "--cache", VerdictCache, .. options]);

    public static ProcessResult Build(string repositoryRelativePolicy, string? sarifOutput = null, params string[] extra)
    {
        string[] arguments =
        [
            "build", ProjectDirectory, "-c", RepositoryLayout.Configuration, "-nologo", "-nodeReuse:false", "--disable-build-servers",
            $"-p:SecMLOpsPolicy={Path.Combine(RepositoryLayout.Root, repositoryRelativePolicy)}",
            .. sarifOutput is null ? Array.Empty<string>() : [$"-p:SecMLOpsSarifOutput={sarifOutput}"],
            .. extra,
        ];
        return ProcessRunner.Run("dotnet", arguments, RepositoryLayout.Root);
    }
}
