using System.Text.Json;
using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Robustness.Detection;
using SecMLOps.Gates.Tests.Support;
using Xunit.Abstractions;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>
/// The detection sample as a perception team meets it: samples/Detection copied into a repository of its
/// own and `secmlops-gate evaluate` run once on the undefended detector's policy (TorchScript), the
/// adversarially trained one's (ONNX), and the undefended one's exported as a list of boxes (ONNX, read by a
/// boxes head). The undefended detector must fail the paper's rule in both forms, finding the same clean
/// boxes in both, and the defended one pass it; every figure reported must be recomputed, from the detections file the gate
/// wrote, by the second implementation of the CityPersons protocol in <see cref="MissRateTests"/>
/// (within 0.01 points) and by `secmlops-gate miss-rate`.
/// </summary>
[Trait("Layer", "slow")]
[Collection(LibTorchCollection.Name)]
public sealed class DetectionSampleTests(DetectionSampleTests.SampleRun run, ITestOutputHelper output) : IClassFixture<DetectionSampleTests.SampleRun>
{
    public static readonly string[] Variants = ["undefended", "pgd", "undefended-boxes"];

    public sealed class SampleRun : IDisposable
    {
        private readonly ScratchRepository _repo = new();

        public SampleRun()
        {
            _repo.CopyFolderFromRepository("samples/Detection");
            // Three detectors, each clean and under three attacks on 120 images, and the sanity checks: about two minutes on two cores.
            Result = ProcessRunner.Run("dotnet", [RepositoryLayout.CliDll, "evaluate", .. Variants.Select(v => $"samples/Detection/detector-{v}.yaml"), "--json", "results.json"],
                _repo.Path, timeoutSeconds: 1200);
            Findings = File.Exists(_repo.Full("results.json")) ? (JArray)JObject.Parse(File.ReadAllText(_repo.Full("results.json")))["findings"]! : [];
        }

        internal ProcessResult Result { get; }

        public JArray Findings { get; }

        public string Full(string relative) => _repo.Full(relative);

        public string Root => _repo.Path;

        public JToken Finding(string rule, string subject) =>
            Assert.Single(Findings, f => (string)f["ruleId"]! == rule && (string)f["subject"]! == subject);

        public void Dispose() => _repo.Dispose();
    }

    private static string Rule(string variant) => $"DETECTOR-{variant.ToUpperInvariant()}-ROB";

    [Fact]
    public void The_undefended_detector_fails_the_rule_and_the_adversarially_trained_one_passes()
    {
        output.WriteLine(run.Result.Error);
        Assert.True(run.Result.ExitCode == 1, run.Result.All);
        Assert.DoesNotContain(run.Findings, f => (string)f["outcome"]! == "error");
        Assert.Equal("failed", (string)run.Finding(Rule("undefended"), "worst-case/reasonable/eps=0.03")["outcome"]!);
        Assert.Equal("failed", (string)run.Finding(Rule("undefended-boxes"), "worst-case/reasonable/eps=0.03")["outcome"]!);
        var defended = run.Finding(Rule("pgd"), "worst-case/reasonable/eps=0.03");
        Assert.Equal("passed", (string)defended["outcome"]!);
        // 135 reasonable pedestrians: the bootstrap's lower bound decides, and the defended detector passes on it too.
        Assert.Equal("lower-bound", (string)defended["properties"]!["decidedOn"]!);
        Assert.True((double)defended["properties"]!["marginCi95Low"]! >= 0);
        Assert.DoesNotContain(run.Findings, f => (string)f["ruleId"]! == Rule("pgd") && (string)f["outcome"]! == "failed");
        // The masking and sanity checks hold for both detectors: the verdicts rest on working gradients.
        foreach (var variant in Variants)
            foreach (var subject in new[] { "gradient-masking/operators", "gradient-masking/zero-gradients", "gradient-masking/randomness", "sanity/finds-pedestrians", "sanity/large-eps" })
                Assert.Equal("passed", (string)run.Finding(Rule(variant), subject)["outcome"]!);
    }

    [Fact]
    public void A_detector_read_as_a_list_of_boxes_gives_the_boxes_its_center_scale_head_gives()
    {
        var grid = CleanBoxes("undefended");
        var list = CleanBoxes("undefended-boxes");
        Assert.Equal(grid.Keys.Order(), list.Keys.Order());
        Assert.True(grid.Values.Sum(b => b.Count) > 100);
        foreach (var (image, boxes) in grid)
        {
            Assert.Equal(boxes.Count, list[image].Count);
            foreach (var (a, b) in boxes.Zip(list[image]))
                Assert.True(Math.Abs(a.X - b.X) < 0.01 && Math.Abs(a.Y - b.Y) < 0.01 && Math.Abs(a.Width - b.Width) < 0.01 && Math.Abs(a.Height - b.Height) < 0.01
                    && Math.Abs(a.Score - b.Score) < 1e-5, $"image {image}: {a} against {b}");
        }
        foreach (var setting in MissRateSetting.Standard)
            Assert.Equal((double)run.Finding(Rule("undefended"), "clean")["properties"]![$"laMR.{setting.Name}"]!,
                (double)run.Finding(Rule("undefended-boxes"), "clean")["properties"]![$"laMR.{setting.Name}"]!, 2);
    }

    /// <summary>The clean run's boxes of a detector's detections file, by image, best first.</summary>
    private Dictionary<long, List<DetectedBox>> CleanBoxes(string variant)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(run.Full($"artifacts/detections/detector-{variant}.json")));
        return document.RootElement.GetProperty("clean").EnumerateArray()
            .Select(d => (Image: d.GetProperty("image_id").GetInt64(), Box: d.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray(), Score: d.GetProperty("score").GetDouble()))
            .GroupBy(d => d.Image)
            .ToDictionary(g => g.Key, g => g.Select(d => new DetectedBox(d.Box[0], d.Box[1], d.Box[2], d.Box[3], d.Score)).OrderByDescending(b => b.Score).ThenBy(b => b.X).ToList());
    }

    [Fact]
    public void Every_reported_miss_rate_recomputes_from_the_written_detections_by_a_second_implementation()
    {
        var (ids, truth) = Annotations(run.Full("samples/Detection/data/eval/annotations.json"));
        foreach (var variant in Variants)
        {
            using var document = JsonDocument.Parse(File.ReadAllText(run.Full($"artifacts/detections/detector-{variant}.json")));
            foreach (var runEntry in document.RootElement.EnumerateObject())
            {
                var finding = run.Finding(Rule(variant), runEntry.Name == "clean" ? "clean" : $"attack/{runEntry.Name}");
                var byImage = ids.ToDictionary(id => id, _ => new List<DetectedBox>());
                foreach (var d in runEntry.Value.EnumerateArray())
                {
                    var box = d.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray();
                    byImage[d.GetProperty("image_id").GetInt64()].Add(new DetectedBox(box[0], box[1], box[2], box[3], d.GetProperty("score").GetDouble()));
                }
                foreach (var setting in MissRateSetting.Standard)
                {
                    var expected = MissRateTests.ProtocolByHand.LogAverageMissRate(ids, ids.Select(id => truth[id]).ToList(), ids.Select(id => (IReadOnlyList<DetectedBox>)byImage[id]).ToList(), setting);
                    var reported = (double)finding["properties"]![$"laMR.{setting.Name}"]!;
                    output.WriteLine(FormattableString.Invariant($"{variant} {runEntry.Name} {setting.Name}: reported {reported:0.00}, recomputed {100 * expected!.Value:0.00}"));
                    Assert.True(Math.Abs(reported - 100 * expected.Value) < 0.01, $"{variant} {runEntry.Name} {setting.Name}: reported {reported}, recomputed {100 * expected.Value}");
                }
            }
        }
    }

    [Fact]
    public void The_miss_rate_command_reads_one_run_of_the_detections_file_and_gives_the_reported_figures()
    {
        var result = ProcessRunner.Cli(run.Root, "miss-rate", "--annotations", "samples/Detection/data/eval/annotations.json",
            "--detections", "artifacts/detections/detector-pgd.json", "--run", "fgsm/eps=0.03", "--json", "figures.json");
        Assert.True(result.ExitCode == 0, result.All);
        var finding = run.Finding(Rule("pgd"), "attack/fgsm/eps=0.03");
        foreach (var figure in JArray.Parse(File.ReadAllText(run.Full("figures.json"))))
            Assert.Equal((double)finding["properties"]![$"laMR.{figure["setting"]}"]!, 100 * (double)figure["logAverageMissRate"]!, 3);

        var whole = ProcessRunner.Cli(run.Root, "miss-rate", "--annotations", "samples/Detection/data/eval/annotations.json", "--detections", "artifacts/detections/detector-pgd.json");
        Assert.Equal(2, whole.ExitCode);
        Assert.Contains("the file holds the detections of several runs; name one (clean, fgsm/eps=0.03", whole.All);
    }

    /// <summary>The annotations read here with System.Text.Json, apart from the module's reader.</summary>
    private static (IReadOnlyList<long> Ids, Dictionary<long, IReadOnlyList<AnnotatedBox>> Truth) Annotations(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var ids = document.RootElement.GetProperty("images").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()).ToList();
        var truth = ids.ToDictionary(id => id, _ => new List<AnnotatedBox>());
        foreach (var a in document.RootElement.GetProperty("annotations").EnumerateArray())
        {
            var box = a.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            truth[a.GetProperty("image_id").GetInt64()].Add(new AnnotatedBox(box[0], box[1], box[2], a.GetProperty("height").GetDouble(),
                a.GetProperty("vis_ratio").GetDouble(), a.GetProperty("ignore").GetInt32() != 0));
        }
        return (ids, truth.ToDictionary(p => p.Key, p => (IReadOnlyList<AnnotatedBox>)p.Value));
    }
}
