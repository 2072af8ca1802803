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
/// wrote: precision and recall of at least one half each, fixed before the first run.
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
            Result = ProcessRunner.Cli(_repo.Path, "evaluate", "samples/Detection/annotations.yaml", "--json", "results.json");
            Findings = File.Exists(_repo.Full("results.json")) ? (JArray)JObject.Parse(File.ReadAllText(_repo.Full("results.json")))["findings"]! : [];
        }

        internal ProcessResult Result { get; }

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
