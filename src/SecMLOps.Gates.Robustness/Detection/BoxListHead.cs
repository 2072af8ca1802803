using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Detection;

/// <summary>How a box-list head writes a box's four numbers, in input pixels.</summary>
public enum BoxFormat
{
    /// <summary>left, top, right, bottom.</summary>
    Xyxy,

    /// <summary>left, top, width, height (COCO's form).</summary>
    Xywh,

    /// <summary>center x, center y, width, height.</summary>
    Cxcywh,
}

/// <summary>
/// A head whose output is already boxes: [N, K, 5], K candidate boxes an image, each four numbers in
/// <see cref="Format"/> and the pedestrian score; the gate keeps those above the threshold and suppresses
/// overlaps (a model that applies its own suppression sets the NMS threshold to 1). Its candidates are the
/// boxes: on the clean output, a box overlapping an annotated pedestrian by an IoU of at least 0.5 (the
/// protocol's match) is a positive, one overlapping none by 0.3 or more and lying mostly outside ignore
/// regions a negative, the rest neither. The attacks keep each candidate's role while they move its score,
/// as attacks on proposal-based detectors do; the boxes the attacked model outputs are what is judged.
/// </summary>
public sealed record BoxListHead(BoxFormat Format, double ScoreThreshold, double NmsThreshold, bool ScoreIsProbability)
    : DetectionHead(ScoreThreshold, NmsThreshold, ScoreIsProbability)
{
    private const int Values = 5;
    private const double PositiveOverlap = 0.5;
    private const double NegativeOverlap = 0.3;
    private const double IgnoredShare = 0.5;

    public override string? ShapeProblem(long[] output, long batch, long height, long width) =>
        output.Length == 3 && output[0] == batch && output[1] > 0 && output[2] == Values ? null
            : $"the model's output has shape [{string.Join(", ", output)}]; a box-list head gives [{batch}, candidates, 5] (four numbers of a box in {Format.ToString().ToLowerInvariant()} form, then its pedestrian score)";

    protected override Tensor Scores(Tensor output) => output.select(2, 4);

    protected override string ScoreSetting => "score";

    public override IReadOnlyList<DetectedBox> Decode(Tensor output)
    {
        using var scope = NewDisposeScope();
        var single = output.cpu().to_type(ScalarType.Float64);
        var probability = AsProbabilities(single[.., 4]);
        var kept = probability.gt(Held(ScoreThreshold)).nonzero().squeeze(1);
        if (kept.numel() == 0)
            return [];
        var (left, top, right, bottom) = Corners(single.index_select(0, kept));
        var xs = left.data<double>().ToArray();
        var ys = top.data<double>().ToArray();
        var rights = right.data<double>().ToArray();
        var bottoms = bottom.data<double>().ToArray();
        var scores = probability.index_select(0, kept).data<double>().ToArray();
        var candidates = new List<DetectedBox>(xs.Length);
        for (var i = 0; i < xs.Length; i++)
        {
            var (width, height) = (rights[i] - xs[i], bottoms[i] - ys[i]);
            if (double.IsFinite(xs[i]) && double.IsFinite(ys[i]) && width > 0 && height > 0 && double.IsFinite(width) && double.IsFinite(height))
                candidates.Add(new DetectedBox(xs[i], ys[i], width, height, scores[i]));
        }
        return Suppress(candidates);
    }

    /// <summary>The candidates' corners, each [K]: left, top, right, bottom.</summary>
    private (Tensor Left, Tensor Top, Tensor Right, Tensor Bottom) Corners(Tensor boxes)
    {
        var (a, b, c, d) = (boxes[.., 0], boxes[.., 1], boxes[.., 2], boxes[.., 3]);
        return Format switch
        {
            BoxFormat.Xyxy => (a, b, c, d),
            BoxFormat.Xywh => (a, b, a.Plus(c), b.Plus(d)),
            BoxFormat.Cxcywh => (a - c.mul(Held(0.5)), b - d.mul(Held(0.5)), a.Plus(c.mul(Held(0.5))), b.Plus(d.mul(Held(0.5)))),
            _ => throw new ArgumentOutOfRangeException(nameof(Format), Format, "not a box format"),
        };
    }

    public override CandidateTargets Targets(IReadOnlyList<IReadOnlyList<AnnotatedBox>> images, Tensor output, Device device)
    {
        using var scope = NewDisposeScope();
        var boxes = output.detach().cpu().to_type(ScalarType.Float64);
        var (count, candidates) = (images.Count, boxes.shape[1]);
        var positive = zeros(count, candidates, dtype: ScalarType.Float64);
        var negativeWeight = zeros(count, candidates, dtype: ScalarType.Float64);
        for (var n = 0; n < count; n++)
        {
            var (left, top, right, bottom) = Corners(boxes[n]);
            var valid = right.gt(left).logical_and(bottom.gt(top)).logical_and(left.isfinite()).logical_and(top.isfinite())
                .logical_and(right.isfinite()).logical_and(bottom.isfinite());
            var area = ((right - left) * (bottom - top)).clamp_min(Held(0));
            var (shared, annotatedArea) = Intersections(left, top, right, bottom, images[n].Where(b => !b.Ignore).ToList());
            var overlap = (shared / (area.unsqueeze(1).Plus(annotatedArea) - shared).clamp_min(Held(1e-9))).amax([1]);
            var (inIgnored, _) = Intersections(left, top, right, bottom, images[n].Where(b => b.Ignore).ToList());
            var ignoredShare = (inIgnored / area.unsqueeze(1).clamp_min(Held(1e-9))).amax([1]);
            positive[n] = overlap.ge(Held(PositiveOverlap)).logical_and(valid).to_type(ScalarType.Float64);
            negativeWeight[n] = overlap.lt(Held(NegativeOverlap)).logical_and(ignoredShare.lt(Held(IgnoredShare))).logical_and(valid).to_type(ScalarType.Float64);
        }
        var targets = new CandidateTargets(
            positive.to(ScalarType.Float32, device), negativeWeight.to(ScalarType.Float32, device), positive.to(ScalarType.Float32, device));
        return new CandidateTargets(targets.Positive.MoveToOuterDisposeScope(), targets.NegativeWeight.MoveToOuterDisposeScope(), targets.Regions.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Each candidate's intersection with each annotated box, [K, B + 1], and the boxes' areas, [1, B + 1]; the
    /// last column is an empty box, so that an image without such boxes gives zeros.
    /// </summary>
    private static (Tensor Shared, Tensor Area) Intersections(Tensor left, Tensor top, Tensor right, Tensor bottom, IReadOnlyList<AnnotatedBox> boxes)
    {
        var corners = boxes.SelectMany(b => new[] { b.X, b.Y, b.X + b.Width, b.Y + b.Height }).Concat([0.0, 0, 0, 0]).ToArray();
        var annotated = tensor(corners, [boxes.Count + 1, 4], ScalarType.Float64);
        var (boxLeft, boxTop, boxRight, boxBottom) = (annotated[.., 0].unsqueeze(0), annotated[.., 1].unsqueeze(0), annotated[.., 2].unsqueeze(0), annotated[.., 3].unsqueeze(0));
        var width = (minimum(right.unsqueeze(1), boxRight) - maximum(left.unsqueeze(1), boxLeft)).clamp_min(Held(0));
        var height = (minimum(bottom.unsqueeze(1), boxBottom) - maximum(top.unsqueeze(1), boxTop)).clamp_min(Held(0));
        return (width * height, (boxRight - boxLeft) * (boxBottom - boxTop));
    }
}
