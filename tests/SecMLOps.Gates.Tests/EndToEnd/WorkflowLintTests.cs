using System.Text.RegularExpressions;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace SecMLOps.Gates.Tests.EndToEnd;

/// <summary>
/// What GitHub runs, checked by current tools: action.yml and every workflow (the repository's and the
/// one <c>init</c> writes) against their published schemas, and every shell script and every bash
/// <c>run:</c> block by shellcheck.
/// </summary>
public sealed class WorkflowLintTests
{
    private static readonly string[] Scripts = ["action", "samples", "bench", "build", "tests"];

    private static List<string> Workflows(ScratchRepository initialised) =>
        [Path.Combine(RepositoryLayout.Root, "action.yml"), .. Directory.GetFiles(Path.Combine(RepositoryLayout.Root, ".github", "workflows")), initialised.Full(".github/workflows/secmlops-gate.yml")];

    private static ScratchRepository Initialised()
    {
        var repo = new ScratchRepository();
        Directory.CreateDirectory(repo.Full("models"));
        File.Copy(Path.Combine(RepositoryLayout.Root, "samples", "ModelService", "models", "classifier-pgd.onnx"), repo.Full("models/classifier.onnx"));
        var init = ProcessRunner.Cli(repo.Path, "init", "--model", "models/classifier.onnx");
        Assert.True(init.ExitCode == ExitCodes.Passed, init.All);
        return repo;
    }

    [NodeToolsFact]
    public void The_action_and_every_workflow_match_their_schemas()
    {
        using var repo = Initialised();
        var problems = Workflows(repo).Select(f => (f, NodeTools.ActionValidator(f))).Where(r => r.Item2.ExitCode != 0).Select(r => $"{r.f}:\n{r.Item2.All}").ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [ShellCheckFact]
    public void Every_script_and_every_bash_run_block_passes_shellcheck()
    {
        using var repo = Initialised();
        var scripts = Scripts.SelectMany(folder => Directory.EnumerateFiles(Path.Combine(RepositoryLayout.Root, folder), "*.sh", SearchOption.AllDirectories))
            .Where(f => !f.Contains("node_modules", StringComparison.Ordinal))
            .Append(Path.Combine(RepositoryLayout.Root, ".ci", "run"))
            .ToList();
        Assert.True(scripts.Count >= 8, $"only {scripts.Count} scripts found");
        var blocks = Workflows(repo).SelectMany(f => RunBlocks(f).Select((block, i) => repo.Write($"run-blocks/{Path.GetFileName(f)}-{i}.sh", block))).ToList();
        Assert.True(blocks.Count >= 10, $"only {blocks.Count} run blocks found");

        var result = ProcessRunner.Run("shellcheck", ["--shell=bash", "--format=gcc", .. scripts, .. blocks], RepositoryLayout.Root);
        Assert.True(result.ExitCode == 0, result.All);
    }

    /// <summary>
    /// The bash run: blocks of a workflow or composite action, as scripts. An expression is replaced by
    /// a plain word, as the runner substitutes it before bash reads the script.
    /// </summary>
    private static IEnumerable<string> RunBlocks(string file)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(file))
            stream.Load(reader);
        var steps = new List<YamlMappingNode>();
        void Walk(YamlNode node)
        {
            switch (node)
            {
                case YamlMappingNode mapping:
                    if (mapping.Children.ContainsKey(new YamlScalarNode("run")))
                        steps.Add(mapping);
                    foreach (var child in mapping.Children.Values)
                        Walk(child);
                    break;
                case YamlSequenceNode sequence:
                    foreach (var child in sequence.Children)
                        Walk(child);
                    break;
            }
        }
        Walk(stream.Documents[0].RootNode);
        foreach (var step in steps)
        {
            var shell = step.Children.TryGetValue(new YamlScalarNode("shell"), out var declared) ? ((YamlScalarNode)declared).Value : "bash";
            if (shell != "bash")
                continue;
            var run = ((YamlScalarNode)step.Children[new YamlScalarNode("run")]).Value!;
            yield return "#!/usr/bin/env bash\nset -eo pipefail\n" + Regex.Replace(run, @"\$\{\{.*?\}\}", "EXPRESSION");
        }
    }
}

/// <summary>A test that runs shellcheck; skipped, with the reason, where it is not installed, except under CI=true.</summary>
public sealed class ShellCheckFactAttribute : FactAttribute
{
    public ShellCheckFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CI") != "true" && !File.Exists("/usr/bin/shellcheck"))
            Skip = "shellcheck is not installed (apt-get install shellcheck; tests/run-tests.sh does it)";
    }
}
