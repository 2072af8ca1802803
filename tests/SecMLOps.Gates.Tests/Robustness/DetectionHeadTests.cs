using SecMLOps.Gates.Robustness.Detection;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>
/// The center-and-scale head's decoding against boxes worked out by hand from its definition (VLPD's
/// decoder: height exp(s) x stride, width 0.41 x height, center (cell + offset + 0.5) x stride, greedy
/// NMS), its targets and loss, and the attacks on a detector whose center logits are a known function
/// of the image.
/// </summary>
[Collection(LibTorchCollection.Name)]
public sealed class DetectionHeadTests
{
    private static readonly CenterScaleHead Head = new(Stride: 4, AspectRatio: 0.41, ScoreThreshold: 0.1, NmsThreshold: 0.5, ScoreIsProbability: false);

    /// <summary>An output [4, 8, 16] with every center logit at -9 (probability 1e-4) except the given cells.</summary>
    private static Tensor Output(params (int Row, int Column, double Logit, double Height, double OffsetY, double OffsetX)[] cells)
    {
        var output = zeros(4, 8, 16, dtype: ScalarType.Float32);
        output[0] = full(8, 16, -9f);
        foreach (var (row, column, logit, height, offsetY, offsetX) in cells)
        {
            output[0, row, column] = (float)logit;
            output[1, row, column] = (float)Math.Log(height / 4);
            output[2, row, column] = (float)offsetY;
            output[3, row, column] = (float)offsetX;
        }
        return output;
    }

    [Fact]
    public void A_cell_above_the_threshold_decodes_into_its_box()
    {
        // Height 40 px: width 16.4; center x (5 - 0.1 + 0.5) x 4 = 21.6, y (3 + 0.2 + 0.5) x 4 = 14.8; the top is clipped at 0.
        var box = Assert.Single(Head.Decode(Output((3, 5, 3.0, 40, 0.2, -0.1))));
        Assert.Equal(21.6 - 8.2, box.X, 4);
        Assert.Equal(0, box.Y, 4);
        Assert.Equal(16.4, box.Width, 4);
        Assert.Equal(40, box.Height, 4);
        Assert.Equal(1 / (1 + Math.Exp(-3.0)), box.Score, 5);
    }

    [Fact]
    public void Overlapping_boxes_keep_the_best_and_cells_at_or_below_the_threshold_give_none()
    {
        var boxes = Head.Decode(Output(
            (4, 5, 2.0, 24, 0, 0),      // best of a pair
            (4, 6, 1.0, 24, -0.5, -0.6),  // almost the same box, lower score: suppressed
            (4, 12, 0.5, 24, 0, 0),     // far away: kept
            (2, 2, Math.Log(0.1 / 0.9), 24, 0, 0)));  // probability exactly 0.1: not above the threshold
        Assert.Equal([2.0, 0.5], boxes.Select(b => Math.Round(Math.Log(b.Score / (1 - b.Score)), 4)));
    }

    [Fact]
    public void A_head_that_outputs_probabilities_decodes_the_same_boxes()
    {
        var logits = Output((3, 5, 3.0, 40, 0.2, -0.1), (6, 10, 0.0, 60, 0, 0));
        var probabilities = logits.clone();
        probabilities[0] = logits[0].sigmoid();
        var expected = Head.Decode(logits);
        var actual = (Head with { ScoreIsProbability = true }).Decode(probabilities);
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (e, a) in expected.Zip(actual))
        {
            Assert.Equal(e.X, a.X, 4);
            Assert.Equal(e.Score, a.Score, 5);
        }
        var recovered = (Head with { ScoreIsProbability = true }).ScoreLogits(probabilities.unsqueeze(0));
        Assert.True((recovered - Head.ScoreLogits(logits.unsqueeze(0))).abs().max().item<float>() < 1e-3f);
    }

    [Fact]
    public void Targets_mark_centers_weigh_their_surroundings_less_and_leave_ignore_regions_out()
    {
        var person = new AnnotatedBox(18, 4, 16.4, 40, 1.0, Ignore: false);   // center (26.2, 24): cell row 6, column 6
        var crowd = new AnnotatedBox(44, 0, 16, 16, 1.0, Ignore: true);       // cells rows 0-4, columns 11-15
        var targets = Head.Targets([[person, crowd]], 8, 16, CPU);
        Assert.Equal(1f, targets.Positive[0, 6, 6].item<float>());
        Assert.Equal(1f, targets.Positive.sum().item<float>());
        Assert.Equal(9f, targets.Regions.sum().item<float>());
        Assert.Equal(0f, targets.NegativeWeight[0, 6, 6].item<float>(), 4);
        Assert.InRange(targets.NegativeWeight[0, 7, 6].item<float>(), 0f, 0.01f);
        Assert.InRange(targets.NegativeWeight[0, 3, 6].item<float>(), 0.2f, 0.6f);
        Assert.Equal(1f, targets.NegativeWeight[0, 0, 0].item<float>());
        Assert.Equal(0f, targets.NegativeWeight[0, 2, 12].item<float>());
        Assert.True(targets.HasPedestrians[0].item<bool>());
    }

    [Fact]
    public void The_center_loss_rises_as_a_pedestrian_fades_and_as_the_background_lights_up()
    {
        var person = new AnnotatedBox(18, 4, 16.4, 40, 1.0, Ignore: false);
        var targets = Head.Targets([[person]], 8, 16, CPU);
        var logits = full(1, 8, 16, -5f);
        logits[0, 6, 6] = 5f;
        var loss = DetectionHead.ScoreLoss(logits, targets).item<float>();
        var faded = logits.clone();
        faded[0, 6, 6] = -1f;
        var lit = logits.clone();
        lit[0, 0, 0] = 3f;
        Assert.True(DetectionHead.ScoreLoss(faded, targets).item<float>() > loss);
        Assert.True(DetectionHead.ScoreLoss(lit, targets).item<float>() > loss);
    }

    /// <summary>
    /// A detector whose center logit at a cell is 40 x (the mean brightness of its 4 x 4 pixels) - 10: a
    /// pedestrian is bright. DeepFool must bring every cell around the annotated center below the
    /// threshold; FGSM and PGD at eps must darken the center by eps and no more.
    /// </summary>
    private static DetectionTarget BrightnessDetector() =>
        new(x => nn.functional.avg_pool2d(x.mean([1], keepdim: true), 4).squeeze(1) * 40 - 10, new(0, 1), Head.ThresholdLogit, new Generator(3));

    private static (Tensor Image, CandidateTargets Targets) BrightPedestrian()
    {
        // The pedestrian covers rows 4-31 and columns 20-35; its center (28, 18) is in cell row 4, column 7.
        var image = full(1, 1, 32, 64, 0.1f);
        image.narrow(2, 4, 28).narrow(3, 20, 16).fill_(0.5);
        var person = new AnnotatedBox(20, 4, 16, 28, 1.0, Ignore: false);
        return (image, Head.Targets([[person]], 8, 16, CPU));
    }

    [Fact]
    public void DeepFool_hides_the_pedestrian_with_a_small_perturbation_that_the_overshoot_scales()
    {
        var target = BrightnessDetector();
        var (image, targets) = BrightPedestrian();
        Assert.True(target.ScoreLogits(image).masked_select(targets.Regions.gt(0)).max().item<float>() > target.ThresholdLogit);

        var adversarial = new DetectionDeepFool(overshoot: 0.02, maxIterations: 50).Run(target, image, targets);
        var regions = target.ScoreLogits(adversarial).masked_select(targets.Regions.gt(0));
        Assert.True(regions.max().item<float>() < target.ThresholdLogit);
        // Logit 40 x 0.5 - 10 = 10 must fall below about -2.2: the brightness by about 0.3, not to the floor.
        var change = (adversarial - image).abs().max().item<float>();
        Assert.InRange(change, 0.25f, 0.4f);
        var smaller = new DetectionDeepFool(overshoot: 0, maxIterations: 50).Run(target, image, targets);
        Assert.True((smaller - image).abs().max().item<float>() < change);
    }

    [Fact]
    public void DeepFool_leaves_an_image_without_pedestrians_and_the_budget_projects_its_result()
    {
        var target = BrightnessDetector();
        var (image, _) = BrightPedestrian();
        var empty = Head.Targets([[]], 8, 16, CPU);
        var attack = new DetectionDeepFool(0.02, 50);
        Assert.Equal(0f, (attack.Run(target, image, empty) - image).abs().max().item<float>());

        var (_, targets) = BrightPedestrian();
        var judged = attack.WithinBudget(target, image, attack.Run(target, image, targets), 0.03);
        Assert.InRange((judged - image).abs().max().item<float>(), 0.029f, 0.0301f);
    }

    [Fact]
    public void Fgsm_and_pgd_darken_the_pedestrian_within_the_budget()
    {
        var target = BrightnessDetector();
        var (image, targets) = BrightPedestrian();
        foreach (DetectionAttack attack in new DetectionAttack[] { new DetectionFgsm(0.03), new DetectionPgd(0.03, 10, 0.25), new DetectionFgsmThenDeepFool(0.03, 0.02, 50) })
        {
            var adversarial = attack.WithinBudget(target, image, attack.Run(target, image, targets), 0.03);
            Assert.InRange((adversarial - image).abs().max().item<float>(), 0.029f, 0.0301f);
            Assert.True(target.ScoreLogits(adversarial)[0, 4, 7].item<float>() < target.ScoreLogits(image)[0, 4, 7].item<float>() - 1, attack.GetType().Name);
        }
    }

    private static readonly BoxListHead Boxes = new(BoxFormat.Xyxy, ScoreThreshold: 0.1, NmsThreshold: 0.5, ScoreIsProbability: true);

    [Fact]
    public void A_box_list_decodes_each_box_format_into_the_same_box()
    {
        // One pedestrian, left 10, top 20, 16 wide, 40 tall, probability 0.9, in each of the three forms.
        foreach (var (format, values) in new[] { (BoxFormat.Xyxy, new[] { 10f, 20, 26, 60 }), (BoxFormat.Xywh, new[] { 10f, 20, 16, 40 }), (BoxFormat.Cxcywh, new[] { 18f, 40, 16, 40 }) })
        {
            var box = Assert.Single((Boxes with { Format = format }).Decode(tensor(values.Append(0.9f).ToArray(), [1, 5])));
            Assert.Equal((10.0, 20.0, 16.0, 40.0, 0.9), (box.X, box.Y, box.Width, box.Height, Math.Round(box.Score, 6)));
        }
    }

    [Fact]
    public void A_box_list_keeps_boxes_above_the_threshold_and_suppresses_overlaps_unless_told_not_to()
    {
        var output = tensor(new[]
        {
            10f, 20, 26, 60, 0.9f,     // best
            11, 21, 27, 61, 0.8f,      // almost the same box: suppressed at 0.5, kept at 1
            100, 20, 116, 60, 0.09f,   // below the threshold: no box
            50, 20, 40, 60, 0.95f,     // right of its left edge: not a box
        }, [4, 5]);
        Assert.Equal([0.9], Boxes.Decode(output).Select(b => Math.Round(b.Score, 6)));
        Assert.Equal([0.9, 0.8], (Boxes with { NmsThreshold = 1 }).Decode(output).Select(b => Math.Round(b.Score, 6)));
        var logits = output.clone();
        logits[.., 4] = tensor(new[] { 2.0f, 1, -3, 4 });
        Assert.Equal([1 / (1 + Math.Exp(-2.0))], (Boxes with { ScoreIsProbability = false }).Decode(logits).Select(b => Math.Round(b.Score, 6)), new ToleranceComparer(1e-6));
        Assert.Contains("[1, candidates, 5]", Boxes.ShapeProblem([1, 4, 4], 1, 128, 256));
        Assert.Null(Boxes.ShapeProblem([1, 4, 5], 1, 128, 256));
    }

    [Fact]
    public void A_box_list_aims_at_boxes_matching_a_pedestrian_and_at_boxes_far_from_any_outside_ignore_regions()
    {
        var person = new AnnotatedBox(10, 20, 16, 40, 1.0, Ignore: false);
        var crowd = new AnnotatedBox(100, 0, 60, 60, 1.0, Ignore: true);
        var output = tensor(new[]
        {
            10f, 20, 26, 60, 0.9f,     // the pedestrian (IoU 1): positive
            12, 22, 28, 62, 0.2f,      // IoU 0.73: positive
            18, 20, 34, 60, 0.3f,      // half a box off (IoU 1/3): neither
            200, 60, 216, 100, 0.1f,   // away from everyone: negative
            110, 10, 126, 50, 0.5f,    // inside the crowd: neither
            40, 40, 30, 60, 0.5f,      // not a box: neither
        }, [1, 6, 5]);
        var targets = Boxes.Targets([[person, crowd]], output, CPU);
        Assert.Equal([1f, 1, 0, 0, 0, 0], targets.Positive[0].data<float>().ToArray());
        Assert.Equal([1f, 1, 0, 1, 0, 0], (targets.Positive + targets.NegativeWeight)[0].data<float>().ToArray());
        Assert.Equal(targets.Positive[0].data<float>().ToArray(), targets.Regions[0].data<float>().ToArray());
        Assert.True(targets.HasPedestrians[0].item<bool>());
        Assert.False(Boxes.Targets([[crowd]], output, CPU).HasPedestrians[0].item<bool>());
    }

    [Fact]
    public void Scores_that_cannot_be_what_the_head_says_are_named()
    {
        var logits = Output((3, 5, 3.0, 40, 0.2, -0.1)).unsqueeze(0);
        Assert.Null(Head.ScoreProblem(logits));
        Assert.Contains("outside [0, 1]: they are not probabilities", (Head with { ScoreIsProbability = true }).ScoreProblem(logits));
        var probabilities = logits.clone();
        probabilities[.., 0] = logits[.., 0].sigmoid();
        Assert.Null((Head with { ScoreIsProbability = true }).ScoreProblem(probabilities));
        Assert.Contains("they look like probabilities", Head.ScoreProblem(probabilities));

        var boxes = tensor(new[] { 10f, 20, 26, 60, 0.9f, 50, 20, 66, 60, 0.01f }, [1, 2, 5]);
        Assert.Null(Boxes.ScoreProblem(boxes));
        Assert.Contains("head.score: logits", (Boxes with { ScoreIsProbability = false }).ScoreProblem(boxes));
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double value) => 0;
    }
}
