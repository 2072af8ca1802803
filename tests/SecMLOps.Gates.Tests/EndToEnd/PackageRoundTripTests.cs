using System.Diagnostics;
using SecMLOps.Gates.Tests.Support;
using Xunit.Abstractions;

namespace SecMLOps.Gates.Tests.EndToEnd;

/// <summary>
/// The packages as users get them: packed into a folder feed (build/pack.sh, which fails over 250 MB),
/// then, outside this repository, a fresh project that references SecMLOps.Gates.MSBuild and a tool
/// installed from the feed. The version is unique to the run and the NuGet cache a fresh folder, so
/// nothing built earlier can stand in for the packages under test.
/// </summary>
public sealed class PackagedFeed : IDisposable
{
    public PackagedFeed()
    {
        Folder = Path.Combine(Path.GetTempPath(), "secmlops-feed-" + Guid.NewGuid().ToString("N"));
        Version = $"0.1.0-roundtrip.{Guid.NewGuid().ToString("N")[..8]}";
        BuiltBeforePack = BuiltAssemblies();
        var watch = Stopwatch.StartNew();
        Pack = ProcessRunner.Run("bash", [Path.Combine(RepositoryLayout.Root, "build", "pack.sh"), Path.Combine(Folder, "feed"), Version], RepositoryLayout.Root, timeoutSeconds: 1200);
        PackSeconds = watch.Elapsed.TotalSeconds;
    }

    public string Folder { get; }
    public string Feed => Path.Combine(Folder, "feed");
    public string Packages => Path.Combine(Folder, "nuget-packages");
    public string Version { get; }
    internal ProcessResult Pack { get; }
    public double PackSeconds { get; }

    /// <summary>The digests of the gate's assemblies the solution build left in src/*/bin, before the pack ran.</summary>
    public IReadOnlyDictionary<string, string> BuiltBeforePack { get; }

    /// <summary>What the tests beside this fixture run: the CLI and the task as the solution build left them.</summary>
    public static IReadOnlyDictionary<string, string> BuiltAssemblies() =>
        Directory.GetFiles(Path.Combine(RepositoryLayout.Root, "src"), "*.dll", SearchOption.AllDirectories)
            .Where(f => f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && (Path.GetFileName(f).StartsWith("SecMLOps.Gates.", StringComparison.Ordinal) || Path.GetFileName(f) == "secmlops-gate.dll"))
            .ToDictionary(f => Path.GetRelativePath(RepositoryLayout.Root, f), f => SecMLOps.Gates.Data.FileDigest.Sha256(f));

    /// <summary>The environment of a user's machine: its own NuGet cache, no build server, no repository around.</summary>
    public Dictionary<string, string> Environment => new()
    {
        ["NUGET_PACKAGES"] = Packages,
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}

/// <summary>
/// Runs beside the other parallel collections: the pack builds in a folder of its own, and the projects
/// and tools restore from the feed into a NuGet cache of their own, so nothing it writes is read elsewhere.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PackagedFeedCollection : ICollectionFixture<PackagedFeed>
{
    public const string Name = "packaged feed";
}

[Trait("Layer", "slow")]
[Collection(PackagedFeedCollection.Name)]
public sealed class PackageRoundTripTests(PackagedFeed feed, ITestOutputHelper output)
{
    private const string GateRan = "SecMLOps gate: evaluating";

    /// <summary>Points the folder's NuGet at the feed under test.</summary>
    private void WriteNuGetConfig(string folder) => File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <add key="secmlops-local" value="{feed.Feed}" />
          </packageSources>
        </configuration>
        """);

    private string Project(string name, string policy)
    {
        var folder = Path.Combine(feed.Folder, name);
        Directory.CreateDirectory(Path.Combine(folder, "policies"));
        WriteNuGetConfig(folder);
        File.WriteAllText(Path.Combine(folder, $"{name}.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <SecMLOpsPolicy>policies/policy.yaml</SecMLOpsPolicy>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="SecMLOps.Gates.MSBuild" Version="{feed.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(folder, "Service.cs"), "namespace Service;\n\npublic static class Model { }\n");
        // The project folder is the repository root the gate confines paths to.
        Directory.CreateDirectory(Path.Combine(folder, ".git"));
        File.WriteAllText(Path.Combine(folder, "policies", "threat-model.yaml"), Support.Policies.ThreatModel(Support.Policies.AssessedEntity));
        File.WriteAllText(Path.Combine(folder, "policies", "high-risk.yaml"), Support.Policies.ThreatModel(Support.Policies.AssessedEntity.Replace("likelihood: L", "likelihood: H")));
        File.WriteAllText(Path.Combine(folder, "policies", "policy.yaml"), policy);
        return folder;
    }

    /// <summary>A build evaluated as of the test policies' date, or as of today (null) for files <c>init</c> dated today.</summary>
    private ProcessResult Build(string project, string? asOf = "2026-11-22") =>
        ProcessRunner.Run("dotnet", ["build", project, "-nologo", "-nodeReuse:false", "--disable-build-servers", .. asOf is null ? Array.Empty<string>() : [$"-p:SecMLOpsAsOf={asOf}"]],
            project, feed.Environment, timeoutSeconds: 900);

    [Fact]
    public void Every_package_is_packed_under_250_MB()
    {
        output.WriteLine(feed.Pack.All);
        Assert.True(feed.Pack.ExitCode == 0, feed.Pack.All);
        var packages = Directory.GetFiles(feed.Feed, "*.nupkg").ToDictionary(p => Path.GetFileName(p), p => new FileInfo(p).Length / 1048576.0);
        foreach (var (name, megabytes) in packages)
            output.WriteLine($"{name}: {megabytes:0.0} MB");
        output.WriteLine($"packed in {feed.PackSeconds:0} s");
        Assert.Contains($"SecMLOps.Gates.MSBuild.{feed.Version}.nupkg", packages.Keys);
        Assert.Contains($"SecMLOps.Gates.Cli.{feed.Version}.nupkg", packages.Keys);
        Assert.Contains($"SecMLOps.Gates.Cli.linux-x64.{feed.Version}.nupkg", packages.Keys);
        Assert.All(packages.Values, size => Assert.True(size < 250, $"{size:0.0} MB"));
        // Packed with its own version in a folder of its own: the assemblies other tests run meanwhile (whose version keys the verdict cache) are untouched.
        Assert.NotEmpty(feed.BuiltBeforePack);
        Assert.Equal(feed.BuiltBeforePack, PackagedFeed.BuiltAssemblies());
    }

    [Fact]
    public void A_fresh_project_referencing_the_package_fails_on_a_violation_passes_otherwise_and_skips_a_no_op_rebuild()
    {
        Assert.True(feed.Pack.ExitCode == 0, feed.Pack.All);
        var violated = Project("Violated", Support.Policies.StridePolicy("high-risk.yaml"));
        var build = Build(violated);
        output.WriteLine(build.All);
        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains($"{Path.Combine(violated, "policies", "high-risk.yaml")}(9,7): error STRIDE-1: EE-1 (User, external entity): Spoofing", build.Output);

        var passing = Project("Passing", Support.Policies.StridePolicy());
        var first = Build(passing);
        output.WriteLine(first.All);
        Assert.True(first.ExitCode == 0, first.All);
        Assert.Contains(GateRan, first.Output);
        var again = Build(passing);
        Assert.True(again.ExitCode == 0, again.All);
        Assert.DoesNotContain(GateRan, again.Output);
    }

    /// <summary>A project gated by one robustness rule on the sample's undefended classifier and its evaluation images (under <paramref name="dataFolder"/>).</summary>
    private string RobustnessProject(string name, string settings, string dataFolder = "models")
    {
        var models = Path.Combine(RepositoryLayout.Root, "samples", "ModelService", "models");
        var project = Project(name, $$"""
            apiVersion: secmlops.gates/v1
            kind: GatePolicy
            metadata: {name: {{name.ToLowerInvariant()}}, version: 1.0.0, owners: [ml-team]}
            spec:
              model: {path: ../models/classifier.onnx, format: onnx, inputShape: [1, 28, 28], valueRange: [0, 1]}
              datasets:
                evaluation: {path: ../{{dataFolder}}/images.idx.gz, labels: ../{{dataFolder}}/labels.idx.gz, format: idx}
              rules:
                - id: ROB-1
                  kind: robustness
                  enforcement: hard-mandatory
                  severity: critical
                  settings:
                    dataset: evaluation
                    gradientMasking: {blackBox: false}
            {{settings}}
            """);
        Directory.CreateDirectory(Path.Combine(project, "models"));
        Directory.CreateDirectory(Path.Combine(project, dataFolder));
        File.Copy(Path.Combine(models, "classifier-undefended.onnx"), Path.Combine(project, "models", "classifier.onnx"));
        File.Copy(Path.Combine(models, "evaluation-images.idx.gz"), Path.Combine(project, dataFolder, "images.idx.gz"));
        File.Copy(Path.Combine(models, "evaluation-labels.idx.gz"), Path.Combine(project, dataFolder, "labels.idx.gz"));
        return project;
    }

    [Fact]
    public void The_packaged_cli_runs_attacks_with_its_native_libraries()
    {
        Assert.True(feed.Pack.ExitCode == 0, feed.Pack.All);
        var project = RobustnessProject("Robust", """
                    sampleCount: 100
                    minRatioOfBaseline: 0.99
                    attacks: [{name: fgsm, eps: [0.1]}]
            """);
        var build = Build(project);
        output.WriteLine(build.All);
        // The undefended model cannot keep 99 % of its accuracy at eps 0.1: a finding, not a crash or a skipped gate.
        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("error ROB-1: at eps=0.1, worst case over 1 attack(s)", build.Output);
        Assert.DoesNotContain("SMG0", build.Output);
    }

    [Fact]
    public void After_a_pass_any_change_to_the_model_or_its_data_reruns_the_gate_even_behind_an_older_timestamp()
    {
        Assert.True(feed.Pack.ExitCode == 0, feed.Pack.All);
        var project = RobustnessProject("Inputs", """
                    sampleCount: 50
                    minRatioOfBaseline: 0.5
                    attacks: [{name: fgsm, eps: [0.01]}]
            """, dataFolder: "data");
        var model = Path.Combine(project, "models", "classifier.onnx");
        var labels = Path.Combine(project, "data", "labels.idx.gz");

        var first = Build(project);
        Assert.True(first.ExitCode == 0, first.All);
        Assert.Contains(GateRan, first.Output);
        var summary = SecMLOps.Gates.Reporting.JsonSummaryFormat.Read(File.ReadAllText(Path.Combine(project, "obj", "Debug", "net10.0", "secmlops-gate", "results.json")));
        var recorded = summary.Inputs.ToDictionary(i => i.Path);
        Assert.Equal("model", recorded["models/classifier.onnx"].Role);
        Assert.Equal(SecMLOps.Gates.Data.FileDigest.Sha256(model), recorded["models/classifier.onnx"].Sha256);
        Assert.Equal("dataset evaluation", recorded["data/labels.idx.gz"].Role);
        Assert.Contains("policies/policy.yaml", recorded.Keys);
        Assert.DoesNotContain(GateRan, Build(project).Output);

        // A truncated model (a failed download, an LFS pointer) must fail the build, not be skipped as unchanged.
        var original = File.ReadAllBytes(model);
        File.WriteAllBytes(model, original[..200]);
        var truncated = Build(project);
        output.WriteLine(truncated.All);
        Assert.NotEqual(0, truncated.ExitCode);
        Assert.Contains(GateRan, truncated.Output);
        Assert.Contains("classifier.onnx", truncated.Output);

        File.WriteAllBytes(model, original);
        var restored = Build(project);
        Assert.True(restored.ExitCode == 0, restored.All);
        Assert.Contains(GateRan, restored.Output);

        // Other labels behind a timestamp older than the last pass (a copy that kept its time): the digest tells.
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(project, "obj", "Debug", "net10.0", "secmlops-gate", "passed.stamp"));
        IdxFiles.WriteLabels(labels, IdxFiles.ReadLabels(labels).Select(l => (byte)((l + 1) % 10)).ToArray());
        File.SetLastWriteTimeUtc(labels, stamp.AddDays(-30));
        var rerun = Build(project);
        output.WriteLine(rerun.All);
        Assert.Contains(GateRan, rerun.Output);
        Assert.NotEqual(0, rerun.ExitCode);
    }

    /// <summary>
    /// A team's journey from an empty repository of its own: init for two models, validate, commit, a
    /// project whose build references the package from the feed; a truncated model fails the build and
    /// names it, the restored one passes, changed labels rerun the gate; then the action's scripts on the
    /// same repository, one use per model, as code scanning would receive them.
    /// </summary>
    [Fact]
    public void A_team_inits_two_models_and_both_the_package_build_and_the_action_gate_them()
    {
        Assert.True(feed.Pack.ExitCode == 0, feed.Pack.All);
        var team = Path.Combine(feed.Folder, "Team");
        var models = Path.Combine(RepositoryLayout.Root, "samples", "ModelService", "models");
        foreach (var folder in new[] { "models", "data" })
            Directory.CreateDirectory(Path.Combine(team, folder));
        File.Copy(Path.Combine(models, "classifier-pgd.onnx"), Path.Combine(team, "models", "classifier.onnx"));
        File.Copy(Path.Combine(models, "classifier-pgd.onnx"), Path.Combine(team, "models", "fraud.onnx"));
        // The sample's first 200 evaluation images: each of the six default evaluations below (two models; fresh
        // labels; the action) costs less than on all 500, and the defended model still passes.
        IdxFiles.WriteImages(Path.Combine(team, "data", "images.idx"), IdxFiles.ReadImages(Path.Combine(models, "evaluation-images.idx.gz"))[..(200 * 784)], 28, 28);
        IdxFiles.WriteLabels(Path.Combine(team, "data", "labels.idx"), IdxFiles.ReadLabels(Path.Combine(models, "evaluation-labels.idx.gz"))[..200]);
        void Git(params string[] arguments)
        {
            var git = ProcessRunner.Run("git", ["-c", "user.name=Team", "-c", "user.email=team@example.com", .. arguments], team);
            Assert.True(git.ExitCode == 0, git.All);
        }
        Git("init", "-q", "-b", "main");
        foreach (var name in new[] { "classifier", "fraud" })
        {
            var init = ProcessRunner.Cli(team, "init", "--model", $"models/{name}.onnx", "--evaluation-data", "data/images.idx", "--evaluation-labels", "data/labels.idx");
            Assert.True(init.ExitCode == 0, init.All);
        }
        var validate = ProcessRunner.Cli(team, "validate", "policies");
        Assert.True(validate.ExitCode == 0, validate.All);
        WriteNuGetConfig(team);
        File.WriteAllText(Path.Combine(team, "Team.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <SecMLOpsPolicy>policies/classifier.policy.yaml;policies/fraud.policy.yaml</SecMLOpsPolicy>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="SecMLOps.Gates.MSBuild" Version="{feed.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(team, "Service.cs"), "namespace Team;\n\npublic static class Service { }\n");
        File.WriteAllText(Path.Combine(team, ".gitignore"), "bin/\nobj/\n");
        Git("add", "-A");
        Git("commit", "-q", "-m", "gate two models");

        var first = Build(team, asOf: null);
        output.WriteLine(first.All);
        Assert.True(first.ExitCode == 0, first.All);
        Assert.Contains(GateRan, first.Output);

        var model = Path.Combine(team, "models", "fraud.onnx");
        var original = File.ReadAllBytes(model);
        File.WriteAllBytes(model, original[..4096]);
        var truncated = Build(team, asOf: null);
        output.WriteLine(truncated.All);
        Assert.NotEqual(0, truncated.ExitCode);
        Assert.Contains("fraud.onnx", truncated.Output);
        File.WriteAllBytes(model, original);
        var restored = Build(team, asOf: null);
        Assert.True(restored.ExitCode == 0, restored.All);

        var labels = Path.Combine(team, "data", "labels.idx");
        IdxFiles.WriteLabels(labels, IdxFiles.ReadLabels(labels).Select(l => (byte)((l + 1) % 10)).ToArray());
        var relabelled = Build(team, asOf: null);
        output.WriteLine(relabelled.All);
        Assert.Contains(GateRan, relabelled.Output);
        Assert.NotEqual(0, relabelled.ExitCode);
        Git("checkout", "--", "data/labels.idx");

        // The action on the same runner, with the CLI the package ships and the verdict cache the build filled:
        // the build's verdicts are the action's, and nothing is attacked twice.
        using var action = new ActionScript { Tool = Path.Combine(feed.Packages, "secmlops.gates.msbuild", feed.Version, "tools", "cli", "secmlops-gate.dll") };
        var buildCache = Path.Combine(team, "obj", "Debug", "net10.0", "secmlops-gate", "verdict-cache");
        var categories = new List<string>();
        foreach (var policy in new[] { "policies/classifier.policy.yaml", "policies/fraud.policy.yaml" })
        {
            var run = action.Gate(team, policy, inputs: new() { ["VERDICT_CACHE"] = buildCache });
            Assert.True(run.ExitCode == 0, run.All);
            Assert.Contains("result from the verdict cache", run.All);
            Assert.DoesNotContain("not in the verdict cache", run.All);
            var outputs = action.Outputs();
            Assert.Equal("pass", outputs["result"]);
            categories.Add(outputs["category"]);
            var uploaded = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(outputs["upload-sarif-file"]))!["runs"]![0]!["results"]!.AsArray();
            Assert.NotEmpty(uploaded);
            Assert.DoesNotContain(uploaded, r => r!["suppressions"] is not null);
            var hashes = uploaded.Select(r => (string?)r!["partialFingerprints"]!["primaryLocationLineHash"]).ToList();
            Assert.Equal(hashes.Count, hashes.Distinct().Count());
            // Code scanning refuses the upload (a fork's read-only token): the findings become annotations and the result stays the gate's.
            var annotate = action.Annotate(team);
            Assert.True(annotate.ExitCode == 0, annotate.All);
            Assert.Contains("::warning file=policies/", annotate.Output);
            Assert.Equal("false", outputs["should-fail"]);
        }
        Assert.Equal(2, categories.Distinct().Count());
    }

    [Fact]
    public void The_tool_installs_from_the_feed_and_runs()
    {
        Assert.True(feed.Pack.ExitCode == 0, feed.Pack.All);
        var tools = Path.Combine(feed.Folder, "tools");
        var watch = Stopwatch.StartNew();
        var install = ProcessRunner.Run("dotnet", ["tool", "install", "SecMLOps.Gates.Cli", "--version", feed.Version, "--add-source", feed.Feed, "--tool-path", tools],
            feed.Folder, feed.Environment, timeoutSeconds: 600);
        output.WriteLine($"tool installed in {watch.Elapsed.TotalSeconds:0.0} s");
        Assert.True(install.ExitCode == 0, install.All);
        var project = Project("Tool", Support.Policies.StridePolicy("high-risk.yaml"));
        var run = ProcessRunner.Run(Path.Combine(tools, "secmlops-gate"), ["evaluate", "policies", "--as-of", "2026-11-22"], project, feed.Environment);
        Assert.True(run.ExitCode == 1, run.All);
        Assert.Contains("high-risk.yaml:9:7: error STRIDE-1", run.Output);
    }
}
