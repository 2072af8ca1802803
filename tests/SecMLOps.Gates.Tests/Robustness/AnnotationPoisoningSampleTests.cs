using System.Globalization;
using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Tests.Support;
using Xunit.Abstractions;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>
/// The detection sample's annotation policy as a data engineer meets it: samples/Detection copied into a
/// repository of its own and `secmlops-gate evaluate samples/Detection/annotations.yaml` run once. The clean
/// training annotations must pass; the poisoned ones (10 % of the boxes put on clutter) must fail, and their
/// quarantine file is measured against data/train-small/poisoned-boxes.csv, which the generating script
/// wrote: precision and recall of at least one half each, fixed before the first run. A third rule, added to the
/// copy, checks annotations whose boxes are still on real pedestrians but shrunk off them: it must fail, and at
/// least half of what it quarantines must be the shrunk boxes.
/// </summary>
[Trait("Layer", "slow")]
[Collection(LibTorchCollection.Name)]
public sealed class AnnotationPoisoningSampleTests(AnnotationPoisoningSampleTests.SampleRun run, ITestOutputHelper output) : IClassFixture<AnnotationPoisoningSampleTests.SampleRun>
{
    public sealed class SampleRun : IDisposable
    {
        private readonly ScratchRepository _repo = new();

        public SampleRun()
        {
            _repo.CopyFolderFromRepository("samples/Detection");
            AddMisSizedAnnotations();
            Result = ProcessRunner.Cli(_repo.Path, "evaluate", "samples/Detection/annotations.yaml", "--json", "results.json");
            Findings = File.Exists(_repo.Full("results.json")) ? (JArray)JObject.Parse(File.ReadAllText(_repo.Full("results.json")))["findings"]! : [];
        }

        internal ProcessResult Result { get; }

        /// <summary>
        /// The clean annotations with every tenth box shrunk to 0.65 of its size about the top of its head, an
        /// IoU of 0.42 with the pedestrian: below the 0.5 at which the evaluation protocol counts a box as a
        /// pedestrian's. Their ids go to missized-boxes.csv; a third rule checks the file against the golden set.
        /// </summary>
        private void AddMisSizedAnnotations()
        {
            var annotations = JObject.Parse(File.ReadAllText(Full("samples/Detection/data/train-small/annotations.json")));
            var pedestrians = annotations["annotations"]!.Where(b => (int)b["ignore"]! == 0).ToList();
            var chosen = pedestrians.Where((_, i) => i % 10 == 5).ToList();
            foreach (var box in chosen)
            {
                var (x, y, w, h) = ((double)box["bbox"]![0]!, (double)box["bbox"]![1]!, (double)box["bbox"]![2]!, (double)box["bbox"]![3]!);
                box["bbox"] = new JArray(Math.Round(x + 0.175 * w, 2), y, Math.Round(0.65 * w, 2), Math.Round(0.65 * h, 2));
                box["height"] = Math.Round(0.65 * h, 2);
            }
            File.WriteAllText(Full("samples/Detection/data/train-small/annotations-missized.json"), annotations.ToString());
            File.WriteAllLines(Full("missized-boxes.csv"), ["image_id,file_name,annotation_id", .. chosen.Select(b => FormattableString.Invariant($"{b["image_id"]},,{b["id"]}"))]);
            var policy = File.ReadAllText(Full("samples/Detection/annotations.yaml"));
            File.WriteAllText(Full("samples/Detection/annotations.yaml"), policy
                .Replace("  rules:\n", "    missized:\n      path: data/train-small/annotations-missized.json\n      format: pedestrian-annotations\n      images: data/train-small/images\n  rules:\n")
                + "    - id: BOXES-MISSIZED\n      kind: annotation-poisoning\n      enforcement: hard-mandatory\n      severity: critical\n      settings:\n"
                + "        training: missized\n        golden: golden\n        quarantine: ../../artifacts/quarantine/boxes-missized.csv\n");
        }

        public JArray Findings { get; }

        public string Full(string relative) => _repo.Full(relative);

        public void Dispose() => _repo.Dispose();
    }

    /// <summary>Each line's annotation id (the third field) of a CSV with a header.</summary>
    private static HashSet<long> AnnotationIds(string path) =>
        File.ReadLines(path).Skip(1).Select(l => long.Parse(l.Split(',')[2], CultureInfo.InvariantCulture)).ToHashSet();

    [Fact]
    public void The_clean_annotations_pass_and_the_poisoned_ones_fail()
    {
        output.WriteLine(run.Result.Error);
        Assert.True(run.Result.ExitCode == 1, run.Result.All);
        Assert.DoesNotContain(run.Findings, f => (string)f["outcome"]! == "error");
        Assert.DoesNotContain(run.Findings, f => (string)f["ruleId"]! == "BOXES-CLEAN" && (string)f["outcome"]! != "passed");
        Assert.Contains(run.Findings, f => (string)f["ruleId"]! == "BOXES-POISONED" && (string)f["subject"]! == "annotations/poisoned" && (string)f["outcome"]! == "failed");
    }

    [Fact]
    public void Boxes_shrunk_off_their_pedestrians_fail_and_are_quarantined()
    {
        var missized = AnnotationIds(run.Full("missized-boxes.csv"));
        var quarantined = AnnotationIds(run.Full("artifacts/quarantine/boxes-missized.csv"));
        var hits = quarantined.Count(missized.Contains);
        output.WriteLine(FormattableString.Invariant($"mis-sized: {quarantined.Count} boxes quarantined, {hits} of the {missized.Count} shrunk: precision {(double)hits / Math.Max(1, quarantined.Count):0.000}, recall {(double)hits / missized.Count:0.000}"));
        Assert.Contains(run.Findings, f => (string)f["ruleId"]! == "BOXES-MISSIZED" && (string)f["subject"]! == "annotations/missized" && (string)f["outcome"]! == "failed");
        Assert.True(hits >= quarantined.Count / 2, $"{hits} of the {quarantined.Count} quarantined boxes are shrunk ones");
    }

    [Fact]
    public void The_quarantine_names_the_boxes_put_on_clutter_by_image_and_box()
    {
        var poisoned = AnnotationIds(run.Full("samples/Detection/data/train-small/poisoned-boxes.csv"));
        var quarantined = AnnotationIds(run.Full("artifacts/quarantine/boxes-poisoned.csv"));
        var hits = quarantined.Count(poisoned.Contains);
        var (precision, recall) = ((double)hits / Math.Max(1, quarantined.Count), (double)hits / poisoned.Count);
        var clean = File.ReadLines(run.Full("artifacts/quarantine/boxes-clean.csv")).Count() - 1;
        output.WriteLine(FormattableString.Invariant($"poisoned: {quarantined.Count} boxes quarantined, {hits} of the {poisoned.Count} poisoned: precision {precision:0.000}, recall {recall:0.000}; clean: {clean} quarantined"));
        Assert.True(precision >= 0.5 && recall >= 0.5, FormattableString.Invariant($"precision {precision:0.000}, recall {recall:0.000}"));
        Assert.Equal("image_id,file_name,annotation_id,x,y,w,h,score", File.ReadLines(run.Full("artifacts/quarantine/boxes-poisoned.csv")).First());
    }
}
