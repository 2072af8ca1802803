using CsCheck;
using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Robustness.Detection;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>
/// The log-average miss rate against figures worked out by hand from the CityPersons protocol, and
/// against a second implementation written here from the protocol's text (not from the module) on
/// random scenes; the two must agree within 0.01 points on every setting.
/// </summary>
public sealed class MissRateTests
{
    private static MissRateSetting Setting(string name) => MissRateSetting.Standard.Single(s => s.Name == name);

    private static AnnotatedBox Person(double x, double y, double height, double visibility, bool ignore = false) => new(x, y, 0.41 * height, height, visibility, ignore);

    private static DetectedBox At(AnnotatedBox box, double score, double shift = 0) => new(box.X + shift, box.Y + shift, box.Width, box.Height, score);

    /// <summary>
    /// Four images. Reasonable counts P1, P2, P4 and P5 (P3 is too occluded, R is an ignore region).
    /// By score: P1 hit, a region hit (ignored), P1 again (a false positive), P2 hit, P3 hit (ignored in
    /// Reasonable), a false positive, P4 hit, a box too small for the setting (dropped), a false positive.
    /// With 4 images the curve is (false positives per image, hits): (0, 1), (0.25, 1), (0.25, 2),
    /// (0.5, 2), (0.5, 3), (0.75, 3): miss rate 3/4 at the six rates up to 0.1778, 1/2 at 0.3162, 1/4 at
    /// 0.5623 and 1; laMR = exp((6 ln 0.75 + ln 0.5 + 2 ln 0.25) / 9) = 0.561654.
    /// Heavy counts P3 alone, found by the best-scored detection of the set that is not ignored: laMR 0.
    /// </summary>
    [Fact]
    public void A_scene_worked_out_by_hand_gives_its_figures()
    {
        var (p1, p2, p3, p4, p5) = (Person(100, 100, 100, 1.0), Person(300, 100, 100, 0.9), Person(500, 200, 60, 0.3), Person(700, 100, 120, 0.8), Person(600, 300, 100, 0.7));
        var region = new AnnotatedBox(0, 0, 400, 200, 1.0, Ignore: true);
        var truth = new PedestrianAnnotations([1, 2, 3, 4], new Dictionary<long, IReadOnlyList<AnnotatedBox>> { [1] = [p1], [2] = [p2], [3] = [p3, p4], [4] = [region, p5] });
        var detections = new Dictionary<long, IReadOnlyList<DetectedBox>>
        {
            [1] = [At(p1, 0.9, 2), At(p1, 0.8, 1)],
            [2] = [At(p2, 0.7), new(900, 500, 41, 100, 0.6), new(0, 0, 12, 30, 0.45)],
            [3] = [At(p3, 0.65), At(p4, 0.5)],
            [4] = [new(50, 50, 41, 100, 0.85), new(1000, 0, 41, 100, 0.4)],
        };

        var reasonable = MissRate.Evaluate(truth, detections, Setting("reasonable"))!;
        Assert.Equal(4, reasonable.Pedestrians);
        Assert.Equal([0.75, 0.75, 0.75, 0.75, 0.75, 0.75, 0.5, 0.25, 0.25], reasonable.MissRates);
        Assert.Equal(0.561654, reasonable.LogAverage, 6);

        var heavy = MissRate.Evaluate(truth, detections, Setting("heavy"))!;
        Assert.Equal(1, heavy.Pedestrians);
        Assert.Equal(0, heavy.LogAverage);
        Assert.Null(MissRate.Evaluate(truth, detections, Setting("small")));
    }

    /// <summary>
    /// The set's best-scored detection is a false positive, on one image: no point of the curve lies at
    /// or below the eight rates under 1, so the miss rate there is 1 (nothing is kept), not the curve's
    /// last value (which would give 0.5 instead of 0.926).
    /// </summary>
    [Fact]
    public void Rates_below_the_first_false_positive_miss_everything()
    {
        var (found, missed) = (Person(10, 10, 100, 1), Person(200, 10, 100, 1));
        var truth = new PedestrianAnnotations([7], new Dictionary<long, IReadOnlyList<AnnotatedBox>> { [7] = [found, missed] });
        var detections = new Dictionary<long, IReadOnlyList<DetectedBox>> { [7] = [new(500, 10, 41, 100, 0.9), At(found, 0.8)] };

        var result = MissRate.Evaluate(truth, detections, Setting("reasonable"))!;

        Assert.Equal([1, 1, 1, 1, 1, 1, 1, 1, 0.5], result.MissRates);
        Assert.Equal(Math.Pow(0.5, 1.0 / 9), result.LogAverage, 9);
    }

    [Fact]
    public void A_setting_that_counts_nobody_has_no_figure()
    {
        var truth = new PedestrianAnnotations([1], new Dictionary<long, IReadOnlyList<AnnotatedBox>> { [1] = [Person(0, 0, 30, 1)] });
        Assert.Null(MissRate.Evaluate(truth, new Dictionary<long, IReadOnlyList<DetectedBox>>(), Setting("reasonable")));
        Assert.Equal(1, MissRate.Evaluate(truth, new Dictionary<long, IReadOnlyList<DetectedBox>>(), Setting("all"))!.LogAverage);
    }

    private static readonly Gen<AnnotatedBox> Annotated =
        Gen.Select(Gen.Int[0, 300], Gen.Int[0, 200], Gen.Int[10, 160], Gen.Int[0, 20], Gen.Int[0, 9])
            .Select((x, y, height, visibility, ignore) => new AnnotatedBox(x, y, Math.Round(0.41 * height), height, visibility / 20.0, ignore == 0));

    /// <summary>A detection near an annotated box (jittered by up to a third of its size) or anywhere; scores on a coarse grid, so ties happen.</summary>
    private static Gen<DetectedBox> Detected(IReadOnlyList<AnnotatedBox> boxes) =>
        Gen.Select(Gen.Int[0, boxes.Count], Gen.Int[-20, 20], Gen.Int[-20, 20], Gen.Int[70, 130], Gen.Int[0, 40])
            .Select((pick, dx, dy, scale, score) => pick < boxes.Count
                ? new DetectedBox(boxes[pick].X + dx * boxes[pick].Width / 60, boxes[pick].Y + dy * boxes[pick].Height / 60, boxes[pick].Width * scale / 100, boxes[pick].Height * scale / 100, score / 40.0)
                : new DetectedBox(dx * 10 + 200, dy * 5 + 100, 41 * scale / 100.0, 100 * scale / 100.0, score / 40.0));

    private static readonly Gen<(IReadOnlyList<AnnotatedBox> Truth, IReadOnlyList<DetectedBox> Detections)> Image =
        Annotated.List[0, 5].SelectMany(boxes => Detected(boxes).List[0, 8].Select(detections => ((IReadOnlyList<AnnotatedBox>)boxes, (IReadOnlyList<DetectedBox>)detections)));

    [Fact]
    public void The_module_and_a_second_implementation_of_the_protocol_agree_on_random_scenes()
    {
        Image.List[1, 8].Sample(images =>
        {
            var ids = Enumerable.Range(0, images.Count).Select(i => (long)(images.Count - i)).ToList();
            var truth = new PedestrianAnnotations(ids, ids.Zip(images).ToDictionary(p => p.First, p => p.Second.Truth));
            var detections = ids.Zip(images).ToDictionary(p => p.First, p => p.Second.Detections);
            foreach (var setting in MissRateSetting.Standard)
            {
                var expected = ProtocolByHand.LogAverageMissRate(ids, images.Select(i => i.Truth).ToList(), images.Select(i => i.Detections).ToList(), setting);
                var actual = MissRate.Evaluate(truth, detections, setting)?.LogAverage;
                Assert.True(expected is null == actual is null, $"{setting.Name}: expected {expected}, got {actual}");
                if (expected is not null)
                    Assert.True(Math.Abs(100 * (expected.Value - actual!.Value)) < 0.01, $"{setting.Name}: expected {expected}, got {actual}");
            }
        }, iter: 400);
    }

    /// <summary>The protocol written out step by step, independently of the module, for the comparison.</summary>
    internal static class ProtocolByHand
    {
        private static readonly double[] Rates = [0.0100, 0.0178, 0.0316, 0.0562, 0.1000, 0.1778, 0.3162, 0.5623, 1.0000];

        public static double? LogAverageMissRate(IReadOnlyList<long> ids, IReadOnlyList<IReadOnlyList<AnnotatedBox>> truth, IReadOnlyList<IReadOnlyList<DetectedBox>> detections, MissRateSetting s)
        {
            var scored = new List<(long Image, int Order, double Score, bool Hit)>();
            var counted = 0;
            for (var i = 0; i < ids.Count; i++)
            {
                bool Counts(AnnotatedBox b) => !b.Ignore && b.Height >= s.MinHeight && b.Height <= s.MaxHeight && b.Visibility >= s.MinVisibility && b.Visibility <= s.MaxVisibility;
                var pedestrians = truth[i].Where(Counts).ToList();
                var ignored = truth[i].Where(b => !Counts(b)).ToList();
                counted += pedestrians.Count;
                var taken = new HashSet<int>();
                var sorted = detections[i].Select((d, n) => (d, n)).OrderBy(p => -p.d.Score).ThenBy(p => p.n).Select(p => p.d).Take(1000)
                    .Where(d => d.Height >= s.MinHeight / 1.25 && d.Height < s.MaxHeight * 1.25).ToList();
                for (var k = 0; k < sorted.Count; k++)
                {
                    var d = sorted[k];
                    var candidates = Enumerable.Range(0, pedestrians.Count).Where(p => !taken.Contains(p) && Iou(d, pedestrians[p]) >= 0.5).ToList();
                    if (candidates.Count > 0)
                    {
                        // The best overlap; among equals, the last in file order.
                        var best = candidates.Max(p => Iou(d, pedestrians[p]));
                        taken.Add(candidates.Last(p => Iou(d, pedestrians[p]) == best));
                        scored.Add((ids[i], k, d.Score, true));
                    }
                    else if (!ignored.Any(b => Ioa(d, b) >= 0.5))
                    {
                        scored.Add((ids[i], k, d.Score, false));
                    }
                }
            }
            if (counted == 0)
                return null;
            var curve = scored.OrderBy(p => -p.Score).ThenBy(p => p.Image).ThenBy(p => p.Order).ToList();
            var logs = 0.0;
            foreach (var rate in Rates)
            {
                // The longest prefix of the ranked list ending on a detection whose false positives per image stay within the rate.
                double? recall = null;
                var (hits, misses) = (0, 0);
                foreach (var point in curve)
                {
                    if (point.Hit) hits++; else misses++;
                    if ((double)misses / ids.Count <= rate) recall = (double)hits / counted;
                }
                logs += Math.Log(1 - (recall ?? 0));
            }
            return Math.Exp(logs / Rates.Length);
        }

        private static double Intersection(DetectedBox d, AnnotatedBox b) =>
            Math.Max(0, Math.Min(d.X + d.Width, b.X + b.Width) - Math.Max(d.X, b.X)) * Math.Max(0, Math.Min(d.Y + d.Height, b.Y + b.Height) - Math.Max(d.Y, b.Y));

        private static double Iou(DetectedBox d, AnnotatedBox b) => Intersection(d, b) / (d.Width * d.Height + b.Width * b.Height - Intersection(d, b));

        private static double Ioa(DetectedBox d, AnnotatedBox b) => Intersection(d, b) / (d.Width * d.Height);
    }

    [Fact]
    public void The_cli_prints_each_settings_figure_and_writes_them_as_json()
    {
        using var repo = new ScratchRepository();
        repo.Write("gt.json", """
            {"images": [{"id": 1}, {"id": 2}],
             "annotations": [
               {"image_id": 1, "category_id": 1, "bbox": [100, 100, 41, 100], "height": 100, "vis_ratio": 1.0, "ignore": 0},
               {"image_id": 2, "category_id": 1, "bbox": [300, 100, 41, 100], "height": 100, "vis_ratio": 0.9, "ignore": 0},
               {"image_id": 2, "category_id": 2, "bbox": [0, 0, 10, 10], "height": 10, "vis_ratio": 1.0}]}
            """);
        repo.Write("dt.json", """[{"image_id": 1, "category_id": 1, "bbox": [101, 101, 41, 100], "score": 0.9}, {"image_id": 2, "category_id": 1, "bbox": [800, 100, 41, 100], "score": 0.8}]""");

        var run = ProcessRunner.Cli(repo.Path, "miss-rate", "--annotations", "gt.json", "--detections", "dt.json", "--setting", "reasonable", "--json", "lamr.json");

        Assert.True(run.ExitCode == ExitCodes.Passed, run.All);
        // One of two pedestrians found before the first false positive, at 0.5 per image: miss rate 0.5 at every rate.
        Assert.Contains("| reasonable | [50, inf] | [0.65, inf] | 2 | 50.00 % |", run.Output);
        var json = Newtonsoft.Json.Linq.JArray.Parse(File.ReadAllText(repo.Full("lamr.json")));
        Assert.Equal(0.5, (double)json[0]!["logAverageMissRate"]!);
    }

    [Theory]
    [InlineData("""{"images": [{"id": 1}], "annotations": [{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3], "vis_ratio": 1}]}""", "[]", "gt.json:1:", "'bbox' must be")]
    [InlineData("""{"images": [{"id": 1}], "annotations": [{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4]}]}""", "[]", "gt.json:1:", "'vis_ratio'")]
    [InlineData("""{"images": [{"id": 1}], "annotations": []}""", """[{"image_id": 9, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 1}]""", "dt.json:1:", "image_id 9 is not among")]
    [InlineData("""{"images": [{"id": 1}], "annotations": []}""", """[{"image_id": 1, "category_id": 1, "bbox": [1, 2, 3, 4], "score": "high"}]""", "dt.json:1:", "'score' must be a finite number")]
    [InlineData("""{"images": [{"id": 1}], "annotations": []}""", "[{]", "dt.json:1:", "")]
    public void A_malformed_entry_is_an_input_error_at_its_place(string annotations, string detections, string where, string message)
    {
        using var repo = new ScratchRepository();
        repo.Write("gt.json", annotations);
        repo.Write("dt.json", detections);

        var run = ProcessRunner.Cli(repo.Path, "miss-rate", "--annotations", "gt.json", "--detections", "dt.json");

        Assert.Equal(ExitCodes.InputError, run.ExitCode);
        Assert.Contains(where, run.Error);
        Assert.Contains(message, run.Error);
    }
}
