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

    /// <summary>
    /// A policy holding one rule of a sample policy, written beside the sample project (under obj/, inside
    /// the repository the gate confines paths to) with its paths rewritten to stay the same files.
    /// Returns its path relative to the repository root.
    /// </summary>
    public static string OnlyRule(string repositoryRelativePolicy, string ruleId)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryLayout.Root, repositoryRelativePolicy));
        const string rules = "\n  rules:\n", rule = "\n    - id: ";
        var start = text.IndexOf(rules, StringComparison.Ordinal) + rules.Length;
        var kept = text[(start - 1)..].Split(rule).Skip(1).Single(r => r.StartsWith(ruleId + "\n", StringComparison.Ordinal));
        var policy = Path.Combine("samples", "ModelService", "obj", $"{ruleId}.policy.yaml");
        Directory.CreateDirectory(Path.Combine(RepositoryLayout.Root, Path.GetDirectoryName(policy)!));
        File.WriteAllText(Path.Combine(RepositoryLayout.Root, policy),
            (text[..start] + rule[1..] + kept).Replace("../../samples/ModelService/", "../", StringComparison.Ordinal));
        return policy;
    }

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
