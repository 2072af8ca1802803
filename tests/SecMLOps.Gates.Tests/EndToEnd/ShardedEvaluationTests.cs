using System.Globalization;
using System.Text.RegularExpressions;
using SecMLOps.Gates.Tests.Robustness;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.EndToEnd;

/// <summary>
/// One evaluation split over three machines, as a matrix job runs it through the real CLI (each
/// shard's rule in its confined worker): `evaluate --shard I/3 --partial` three times, then `merge`,
/// gives the verdict, SARIF, JSON, Markdown and plot one run gives, byte for byte but for the attack
/// times. The merge refuses what would let samples go unevaluated or count twice, or parts made
/// from other inputs: an error, nothing written, never a pass.
/// </summary>
[Trait("Layer", "slow")]
[Collection(LibTorchCollection.Name)]
public sealed class ShardedEvaluationTests(ShardedEvaluationTests.Runs runs)
    : IClassFixture<ShardedEvaluationTests.Runs>
{
    /// <summary>A weak linear classifier over 4 features and 300 rows in batches of 32: ten atoms, 4, 3 and 3 to the shards; random starts, DeepFool's perturbation sizes, the masking probe and the sanity attack all in play.</summary>
    public sealed class Runs : IDisposable
    {
        internal ScratchRepository Repo { get; } = new();

        public Runs()
        {
            new OnnxBuilder(4, 3).Initializer("w", [3, -2, 1, -1, 2, 1, -3, 2, -1, 1, 1, -2], 4, 3).Node("MatMul", ["x", "w"], "logits").Save(Repo.Full("model.onnx"));
            var random = new Random(11);
            Repo.Write("eval.csv", string.Concat(Enumerable.Range(0, 300).Select(i =>
                string.Join(',', Enumerable.Range(0, 4).Select(_ => random.NextDouble().ToString("0.000", CultureInfo.InvariantCulture))) + "," + (i * 7 % 3) + "\n")));
            Repo.Write("policy.yaml", """
                apiVersion: secmlops.gates/v1
                kind: GatePolicy
                metadata: {name: sharded, version: 1.0.0, owners: [ml-team]}
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
                        batchSize: 32
                        plot: reports/robustness.png
                        attacks:
                          - {name: fgsm, eps: [0.05, 0.2]}
                          - {name: pgd, eps: [0.05, 0.2], steps: 10}
                          - {name: deepfool, eps: [0.05, 0.2]}
                """);
            Single = ProcessRunner.Cli(Repo.Path, "evaluate", "policy.yaml", "--as-of", "2026-12-07",
                "--sarif", "one/gate.sarif", "--json", "one/gate.json", "--summary", "one/gate.md");
            SinglePlot = File.ReadAllBytes(Repo.Full("reports/robustness.png"));
            File.Delete(Repo.Full("reports/robustness.png"));
            Shards = [.. Enumerable.Range(1, 3).Select(i => ProcessRunner.Cli(Repo.Path, "evaluate", "policy.yaml", "--as-of", "2026-12-07",
                "--shard", $"{i}/3", "--partial", $"parts/{i}.json"))];
        }

        internal ProcessResult Single { get; }
        internal byte[] SinglePlot { get; }
        internal IReadOnlyList<ProcessResult> Shards { get; }

        internal ProcessResult Merge(string output, params string[] partials) =>
            ProcessRunner.Cli(Repo.Path, ["merge", .. partials, "--sarif", $"{output}/gate.sarif", "--json", $"{output}/gate.json", "--summary", $"{output}/gate.md"]);

        public void Dispose() => Repo.Dispose();
    }

    private ScratchRepository Repo => runs.Repo;

    /// <summary>The attacks' wall times differ between any two runs; nothing else may.</summary>
    private static string WithoutTimings(string report) =>
        Regex.Replace(Regex.Replace(report, "\"seconds\": [0-9.]+", "\"seconds\": 0"), @" in [0-9]+\.[0-9] s", " in 0.0 s");

    [Fact]
    public void Three_shards_merged_give_the_reports_one_run_gives()
    {
        Assert.True(runs.Single.ExitCode == 1, runs.Single.All);
        foreach (var (shard, index) in runs.Shards.Select((s, i) => (s, i + 1)))
        {
            Assert.True(shard.ExitCode == 0, shard.All);
            Assert.Contains($"shard {index}/3: {(index == 1 ? 4 : 3)} of 10 batches of samples", shard.All);
            Assert.False(File.Exists(Repo.Full("reports/robustness.png")), "a shard wrote the rule's plot");
        }

        var merged = runs.Merge("merged", "parts/3.json", "parts/1.json", "parts/2.json");

        Assert.True(merged.ExitCode == 1, merged.All);
        foreach (var report in new[] { "gate.sarif", "gate.json", "gate.md" })
            Assert.Equal(WithoutTimings(File.ReadAllText(Repo.Full($"one/{report}"))), WithoutTimings(File.ReadAllText(Repo.Full($"merged/{report}"))));
        Assert.True(runs.SinglePlot.AsSpan().SequenceEqual(File.ReadAllBytes(Repo.Full("reports/robustness.png"))), "the merged plot differs from the single run's");
        // The worst case really was decided from every sample, and the attacks really broke some.
        Assert.Contains("\"samples\": 300", File.ReadAllText(Repo.Full("merged/gate.sarif")));
        Assert.Matches(@"\| 0\.2 \| [0-9.]+ % \| [1-9]", File.ReadAllText(Repo.Full("merged/gate.md")));
    }

    [Theory]
    [InlineData("a shard missing", "shard(s) 2/3 missing", new[] { "parts/1.json", "parts/3.json" })]
    [InlineData("a shard twice", "shard 2/3 is given twice", new[] { "parts/1.json", "parts/2.json", "parts/2.json", "parts/3.json" })]
    public void Merging_without_every_shard_exactly_once_is_an_error_and_writes_nothing(string _, string message, string[] partials)
    {
        var merged = runs.Merge("refused", partials);

        Assert.True(merged.ExitCode == 2, merged.All);
        Assert.Contains(message, merged.All);
        Assert.False(Directory.Exists(Repo.Full("refused")));
    }

    [Fact]
    public void A_partial_file_larger_than_a_dataset_may_be_is_refused_before_it_is_read()
    {
        // Sparse: a gigabyte on paper, nothing on disk; the merge must refuse it by its size, not hold it.
        Directory.CreateDirectory(Repo.Full("huge"));
        using (var huge = File.Create(Repo.Full("huge/2.json")))
            huge.SetLength(global::SecMLOps.Gates.Inputs.InputLimits.DatasetMemoryBytes + 1);

        var merged = runs.Merge("refused", "parts/1.json", "huge/2.json", "parts/3.json");

        Assert.True(merged.ExitCode == 2, merged.All);
        Assert.Contains("huge/2.json cannot be read as a partial evaluation (2.json is larger than", merged.All);
        Assert.False(Directory.Exists(Repo.Full("refused")));
    }

    [Fact]
    public void Parts_of_another_split_are_refused()
    {
        var other = ProcessRunner.Cli(Repo.Path, "evaluate", "policy.yaml", "--as-of", "2026-12-07", "--shard", "2/2", "--partial", "other/2.json");
        Assert.True(other.ExitCode == 0, other.All);

        var merged = runs.Merge("refused", "parts/1.json", "other/2.json", "parts/3.json");

        Assert.True(merged.ExitCode == 2, merged.All);
        Assert.Contains("one evaluation has one shard count", merged.All);
        Assert.False(Directory.Exists(Repo.Full("refused")));
    }

    [Fact]
    public void A_model_changed_after_the_shards_ran_is_an_error_not_their_verdict()
    {
        using var changed = new ScratchRepository();
        foreach (var file in new[] { "policy.yaml", "eval.csv", "model.onnx", "parts/1.json", "parts/2.json", "parts/3.json" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(changed.Full(file))!);
            File.Copy(Repo.Full(file), changed.Full(file));
        }
        // A model that every sample would break differently: one weight's sign flipped.
        new OnnxBuilder(4, 3).Initializer("w", [3, -2, 1, -1, 2, 1, -3, 2, -1, 1, 1, 2], 4, 3).Node("MatMul", ["x", "w"], "logits").Save(changed.Full("model.onnx"));

        var merged = ProcessRunner.Cli(changed.Path, "merge", "parts/1.json", "parts/2.json", "parts/3.json", "--sarif", "out/gate.sarif");

        Assert.True(merged.ExitCode == 2, merged.All);
        Assert.Contains("SMG0015", merged.All);
        Assert.Contains("evaluated from another tool build, policy or input", merged.All);
        Assert.False(File.Exists(changed.Full("reports/robustness.png")));
    }

    [Theory]
    [InlineData("--shard", "0/3")]
    [InlineData("--shard", "4/3")]
    [InlineData("--shard", "two/3")]
    public void A_shard_that_is_not_I_of_N_is_an_input_error(string option, string value)
    {
        var result = ProcessRunner.Cli(Repo.Path, "evaluate", "policy.yaml", option, value, "--partial", "bad/part.json");

        Assert.True(result.ExitCode == 2, result.All);
        Assert.Contains("is not I/N", result.All);
        Assert.False(Directory.Exists(Repo.Full("bad")));
    }

    [Fact]
    public void A_shard_writes_no_reports_the_merge_writes_them()
    {
        var result = ProcessRunner.Cli(Repo.Path, "evaluate", "policy.yaml", "--shard", "1/3", "--partial", "bad/part.json", "--sarif", "bad/gate.sarif");

        Assert.True(result.ExitCode == 2, result.All);
        Assert.Contains("`merge` writes the reports", result.All);
        Assert.False(Directory.Exists(Repo.Full("bad")));
    }
}

/// <summary>
/// The same for the sample's pedestrian detector (its box-list ONNX form): three shards of its 120
/// annotated images merged give the reports and the detections file one run gives, the laMR and
/// its bootstrap interval scored over every image.
/// </summary>
[Trait("Layer", "slow")]
[Collection(LibTorchCollection.Name)]
public sealed class ShardedDetectionTests : IDisposable
{
    private readonly ScratchRepository _repo = new();

    private const string Policy = """
        apiVersion: secmlops.gates/v1
        kind: GatePolicy
        metadata: {name: sharded-detector, version: 1.0.0, owners: [perception-team]}
        spec:
          model: {path: models/detector-undefended-boxes.onnx, format: onnx, inputShape: [3, 128, 256], valueRange: [0, 1]}
          datasets:
            evaluation: {path: data/eval/annotations.json, format: pedestrian-annotations, images: data/eval/images}
          rules:
            - id: DET-1
              kind: detection-robustness
              enforcement: hard-mandatory
              severity: critical
              settings:
                dataset: evaluation
                head: {kind: boxes, boxFormat: xyxy, score: probabilities, scoreThreshold: 0.1, nmsThreshold: 0.5}
                missRateSettings: [reasonable]
                batchSize: 16
                attacks:
                  - {name: fgsm, eps: [0.01]}
                  - {name: pgd, eps: [0.01], steps: 3}
                detections: detections.json
        """;

    private ProcessResult Cli(params string[] arguments) => ProcessRunner.Run("dotnet", [RepositoryLayout.CliDll, .. arguments], _repo.Path, timeoutSeconds: 600);

    private static string WithoutTimings(string report) =>
        Regex.Replace(Regex.Replace(report, "\"seconds\": [0-9.]+", "\"seconds\": 0"), @"(?<= in )[0-9]+\.[0-9] s|\| [0-9]+\.[0-9] \|", "0.0");

    [Fact]
    public void Three_shards_of_a_detectors_images_merged_give_the_reports_and_detections_one_run_gives()
    {
        _repo.CopyFolderFromRepository("samples/Detection");
        _repo.Write("samples/Detection/sharded.yaml", Policy);
        const string policy = "samples/Detection/sharded.yaml";

        var single = Cli("evaluate", policy, "--as-of", "2026-12-07", "--json", "one/gate.json", "--summary", "one/gate.md", "--sarif", "one/gate.sarif");
        Assert.True(single.ExitCode is 0 or 1, single.All);
        var singleDetections = File.ReadAllBytes(_repo.Full("samples/Detection/detections.json"));
        File.Delete(_repo.Full("samples/Detection/detections.json"));
        foreach (var i in new[] { 1, 2, 3 })
        {
            var shard = Cli("evaluate", policy, "--as-of", "2026-12-07", "--shard", $"{i}/3", "--partial", $"parts/{i}.json");
            Assert.True(shard.ExitCode == 0, shard.All);
            Assert.Contains($"shard {i}/3: {(i == 3 ? 2 : 3)} of 8 batches of images", shard.All);
        }

        var merged = Cli("merge", "parts/1.json", "parts/2.json", "parts/3.json", "--json", "merged/gate.json", "--summary", "merged/gate.md", "--sarif", "merged/gate.sarif");

        Assert.Equal(single.ExitCode, merged.ExitCode);
        foreach (var report in new[] { "gate.sarif", "gate.json", "gate.md" })
            Assert.Equal(WithoutTimings(File.ReadAllText(_repo.Full($"one/{report}"))), WithoutTimings(File.ReadAllText(_repo.Full($"merged/{report}"))));
        Assert.True(singleDetections.AsSpan().SequenceEqual(File.ReadAllBytes(_repo.Full("samples/Detection/detections.json"))), "the merged detections differ from the single run's");
        Assert.Contains("\"images\": 120", File.ReadAllText(_repo.Full("merged/gate.sarif")));
    }

    public void Dispose() => _repo.Dispose();
}
