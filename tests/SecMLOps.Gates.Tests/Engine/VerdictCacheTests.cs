using System.Globalization;
using System.Text.Json.Nodes;
using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Tests.Robustness;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Engine;

/// <summary>
/// `evaluate --cache DIR` as a user runs it twice: an unchanged policy gives the same reports (SARIF,
/// JSON, Markdown and the plot) without attacking again; any changed input, the tool's environment
/// or the policy misses; a damaged entry is ignored, so a cache can cost a fresh run, never a verdict.
/// </summary>
[Collection(LibTorchCollection.Name)]
public sealed class VerdictCacheTests : IDisposable
{
    private readonly ScratchRepository _repo = new();

    public VerdictCacheTests()
    {
        // A weak linear classifier over 4 features: the robustness rule fails, with numbers worth keeping.
        new OnnxBuilder(4, 3).Initializer("w", [3, -2, 1, -1, 2, 1, -3, 2, -1, 1, 1, -2], 4, 3).Node("MatMul", ["x", "w"], "logits").Save(_repo.Full("model.onnx"));
        var random = new Random(4);
        var rows = Enumerable.Range(0, 40).Select(i =>
        {
            var features = Enumerable.Range(0, 4).Select(_ => random.NextDouble().ToString("0.000", CultureInfo.InvariantCulture));
            return string.Join(',', features) + "," + i % 3;
        });
        _repo.Write("eval.csv", string.Join('\n', rows) + "\n");
        _repo.Write("policy.yaml", """
            apiVersion: secmlops.gates/v1
            kind: GatePolicy
            metadata: {name: cached, version: 1.0.0, owners: [ml-team]}
            spec:
              model: {path: model.onnx, format: onnx, inputShape: [4], inputLayout: flat, valueRange: [0, 1]}
              datasets:
                eval: {path: eval.csv, format: csv}
              rules:
                - id: ROB-1
                  kind: robustness
                  enforcement: hard-mandatory
                  severity: high
                  settings:
                    dataset: eval
                    plot: reports/robustness.png
                    attacks:
                      - {name: fgsm, eps: [0.05, 0.2]}
                      - {name: pgd, eps: [0.05, 0.2], steps: 10}
            """);
    }

    private (int Exit, string Progress, Dictionary<string, byte[]> Reports) Evaluate()
    {
        using var output = new StringWriter();
        using var progress = new StringWriter();
        var exit = GateCommandLine.Run(["evaluate", _repo.Full("policy.yaml"), "--repo-root", _repo.Path, "--as-of", "2026-11-22", "--cache", _repo.Full("cache"),
            "--sarif", _repo.Full("out/gate.sarif"), "--json", _repo.Full("out/gate.json"), "--summary", _repo.Full("out/gate.md")], output, progress);
        var reports = new[] { "out/gate.sarif", "out/gate.json", "out/gate.md", "reports/robustness.png" }
            .ToDictionary(p => p, p => File.ReadAllBytes(_repo.Full(p)));
        return (exit, progress.ToString(), reports);
    }

    private static void AssertSameReports(Dictionary<string, byte[]> expected, Dictionary<string, byte[]> actual)
    {
        foreach (var (path, bytes) in expected)
            Assert.True(bytes.AsSpan().SequenceEqual(actual[path]), $"{path} differs from the fresh run's");
    }

    /// <summary>A fresh run measures its attacks' wall times anew; everything else must be the same.</summary>
    private static string WithoutTimings(byte[] sarif) =>
        System.Text.RegularExpressions.Regex.Replace(System.Text.Encoding.UTF8.GetString(sarif), "\"seconds\": [0-9.]+", "\"seconds\": 0");

    [Fact]
    public void An_unchanged_rule_comes_from_the_cache_with_byte_identical_reports_and_plot()
    {
        var fresh = Evaluate();
        Assert.Equal(1, fresh.Exit);
        Assert.Contains("not in the verdict cache (no entry)", fresh.Progress);
        File.Delete(_repo.Full("reports/robustness.png"));

        var cached = Evaluate();

        Assert.Equal(1, cached.Exit);
        Assert.Contains("ROB-1 (rule 1 of 1): result from the verdict cache", cached.Progress);
        Assert.DoesNotContain("pgd/eps=0.2: batch", cached.Progress);
        AssertSameReports(fresh.Reports, cached.Reports);
    }

    [Theory]
    [InlineData("model.onnx")]
    [InlineData("eval.csv")]
    [InlineData("policy.yaml")]
    public void One_byte_changed_in_any_input_misses(string input)
    {
        Evaluate();
        var bytes = File.ReadAllBytes(_repo.Full(input));
        File.WriteAllBytes(_repo.Full(input), input switch
        {
            "model.onnx" => [.. bytes[..^1], (byte)(bytes[^1] ^ 1)],
            "eval.csv" => [.. bytes[..^2], (byte)(bytes[^2] == (byte)'0' ? '1' : '0'), (byte)'\n'],
            _ => [.. bytes, (byte)'\n'],
        });

        var again = Evaluate();

        Assert.DoesNotContain("result from the verdict cache", again.Progress);
        Assert.Contains("not in the verdict cache", again.Progress);
    }

    /// <summary>The progress of a second evaluation run with one environment variable set (the first ran without it).</summary>
    private string EvaluateAgainWith(string variable, string value)
    {
        Evaluate();
        Environment.SetEnvironmentVariable(variable, value);
        try
        {
            return Evaluate().Progress;
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void A_changed_input_limit_misses() =>
        Assert.Contains("not in the verdict cache (no entry)", EvaluateAgainWith("SECMLOPS_MAX_DATASET_MEMORY", "1073741823"));

    // The action names the tool it runs in SECMLOPS_GATE: the CLI, the build and the action must share entries.
    [Fact]
    public void A_variable_the_tool_does_not_read_hits() =>
        Assert.Contains("result from the verdict cache", EvaluateAgainWith("SECMLOPS_GATE", "/opt/secmlops-gate/secmlops-gate"));

    [Fact]
    public void An_entry_edited_to_pass_is_ignored_and_the_rule_fails_again()
    {
        var fresh = Evaluate();
        var entry = Assert.Single(Directory.GetFiles(_repo.Full("cache"), "*.json"));
        var stored = JsonNode.Parse(File.ReadAllText(entry))!;
        stored["payload"] = stored["payload"]!.GetValue<string>().Replace("\"Failed\"", "\"Passed\"");
        File.WriteAllText(entry, stored.ToJsonString());

        var again = Evaluate();

        Assert.Contains("does not match its key or its digest; ignored", again.Progress);
        Assert.Equal(1, again.Exit);
        Assert.Equal(WithoutTimings(fresh.Reports["out/gate.sarif"]), WithoutTimings(again.Reports["out/gate.sarif"]));
    }

    [Fact]
    public void An_entry_that_is_not_json_is_ignored()
    {
        Evaluate();
        File.WriteAllText(Assert.Single(Directory.GetFiles(_repo.Full("cache"), "*.json")), "{\"format\": ");

        var again = Evaluate();

        Assert.Contains("cannot be read", again.Progress);
        Assert.Equal(1, again.Exit);
    }

    [Fact]
    public void Errors_are_never_kept()
    {
        File.WriteAllText(_repo.Full("eval.csv"), "0.1,0.2,0.3,0.4,7\n");

        Assert.Equal(2, GateCommandLine.Run(["evaluate", _repo.Full("policy.yaml"), "--repo-root", _repo.Path, "--cache", _repo.Full("cache")], TextWriter.Null, TextWriter.Null));

        Assert.False(Directory.Exists(_repo.Full("cache")) && Directory.EnumerateFiles(_repo.Full("cache")).Any());
    }

    public void Dispose() => _repo.Dispose();
}
