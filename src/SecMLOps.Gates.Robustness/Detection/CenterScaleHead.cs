using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Detection;

/// <summary>
/// A center-and-scale detection head (CSP, VLPD): one output [N, 4, H/stride, W/stride] of the center
/// score, the log of the height in cells, and the center's offset within its cell (y, then x). It
/// decodes the output into boxes as those detectors do; its candidates are the cells, a pedestrian's
/// positive the cell of its center.
/// </summary>
public sealed record CenterScaleHead(int Stride, double AspectRatio, double ScoreThreshold, double NmsThreshold, bool ScoreIsProbability)
    : DetectionHead(ScoreThreshold, NmsThreshold, ScoreIsProbability)
{
    private const int Channels = 4;

    /// <summary>The center channel, [N, h, w].</summary>
    protected override Tensor Scores(Tensor output) => output.select(1, 0);

    protected override string ScoreSetting => "center";

    /// <summary>An error message when the output is not [batch, 4, h, w] on the grid an input of this size gives; null when it is.</summary>
    public override string? ShapeProblem(long[] output, long batch, long height, long width)
    {
        long[] expected = [batch, Channels, height / Stride, width / Stride];
        return output.SequenceEqual(expected) ? null
            : $"the model's output has shape [{string.Join(", ", output)}]; a center-scale head with stride {Stride} on [{height}, {width}] images gives [{string.Join(", ", expected)}] (center, log height, offset y, offset x)";
    }

    /// <summary>
    /// One image's boxes ([x, y, w, h] in pixels, with the center probability as score): every cell whose
    /// probability is above the threshold, then greedy non-maximum suppression (areas counted with the
    /// +1 pixel convention of the reference detectors), best first.
    /// </summary>
    public override IReadOnlyList<DetectedBox> Decode(Tensor output)
    {
        using var scope = NewDisposeScope();
        var single = output.cpu().to_type(ScalarType.Float64);
        var probability = AsProbabilities(single[0]);
        var cells = probability.gt(Held(ScoreThreshold)).nonzero();
        var count = (int)cells.shape[0];
        if (count == 0)
            return [];
        var ys = cells[.., 0].data<long>().ToArray();
        var xs = cells[.., 1].data<long>().ToArray();
        var scores = probability.index([cells[.., 0], cells[.., 1]]).data<double>().ToArray();
        var scale = single[1].index([cells[.., 0], cells[.., 1]]).data<double>().ToArray();
        var offsetY = single[2].index([cells[.., 0], cells[.., 1]]).data<double>().ToArray();
        var offsetX = single[3].index([cells[.., 0], cells[.., 1]]).data<double>().ToArray();
        var candidates = new List<DetectedBox>(count);
        for (var i = 0; i < count; i++)
        {
            var height = Math.Exp(Math.Min(scale[i], 20)) * Stride;
            var width = AspectRatio * height;
            var centerX = (xs[i] + offsetX[i] + 0.5) * Stride;
            var centerY = (ys[i] + offsetY[i] + 0.5) * Stride;
            var left = Math.Max(0, centerX - width / 2);
            var top = Math.Max(0, centerY - height / 2);
            if (double.IsFinite(left) && double.IsFinite(top) && double.IsFinite(height))
                candidates.Add(new DetectedBox(left, top, width, height, scores[i]));
        }
        return Suppress(candidates);
    }

    /// <inheritdoc/>
    public override CandidateTargets Targets(IReadOnlyList<IReadOnlyList<AnnotatedBox>> images, Tensor output, Device device) =>
        Targets(images, output.shape[2], output.shape[3], device);

    /// <summary>
    /// The targets of a batch of images on a grid of <paramref name="rows"/> x <paramref name="columns"/> cells.
    /// Every pedestrian that is not marked ignore is a target, whatever its size or occlusion: an attack that
    /// hides any pedestrian counts. Near a center a negative weighs (1 - g)^4, g a Gaussian the size of the
    /// box (sigma a sixth of each side); cells inside an ignore box are neither.
    /// </summary>
    public CandidateTargets Targets(IReadOnlyList<IReadOnlyList<AnnotatedBox>> images, long rows, long columns, Device device)
    {
        var positive = new float[images.Count * rows * columns];
        var weight = new float[positive.Length];
        var regions = new float[positive.Length];
        Array.Fill(weight, 1f);
        for (var n = 0; n < images.Count; n++)
        {
            var offset = n * rows * columns;
            var gaussian = new float[rows * columns];
            foreach (var box in images[n].Where(b => b.Ignore))
                ForCells(box.X / Stride, box.Y / Stride, (box.X + box.Width) / Stride, (box.Y + box.Height) / Stride, rows, columns,
                    (r, c) => weight[offset + r * columns + c] = 0);
            foreach (var box in images[n].Where(b => !b.Ignore))
            {
                var centerX = (box.X + box.Width / 2) / Stride;
                var centerY = (box.Y + box.Height / 2) / Stride;
                var (row, column) = ((long)Math.Floor(centerY), (long)Math.Floor(centerX));
                if (row < 0 || row >= rows || column < 0 || column >= columns)
                    continue;
                positive[offset + row * columns + column] = 1;
                for (var r = Math.Max(0, row - 1); r <= Math.Min(rows - 1, row + 1); r++)
                    for (var c = Math.Max(0, column - 1); c <= Math.Min(columns - 1, column + 1); c++)
                        regions[offset + r * columns + c] = 1;
                var (sigmaX, sigmaY) = (Math.Max(box.Width / Stride / 6, 0.5), Math.Max(box.Height / Stride / 6, 0.5));
                ForCells(box.X / Stride, box.Y / Stride, (box.X + box.Width) / Stride, (box.Y + box.Height) / Stride, rows, columns, (r, c) =>
                {
                    var g = Math.Exp(-Math.Pow(c - column, 2) / (2 * sigmaX * sigmaX) - Math.Pow(r - row, 2) / (2 * sigmaY * sigmaY));
                    gaussian[r * columns + c] = Math.Max(gaussian[r * columns + c], (float)g);
                });
            }
            for (var i = 0; i < gaussian.Length; i++)
                weight[offset + i] *= MathF.Pow(1 - gaussian[i], 4);
        }
        long[] shape = [images.Count, rows, columns];
        return new CandidateTargets(tensor(positive, shape, device: device), tensor(weight, shape, device: device), tensor(regions, shape, device: device));
    }

    private static void ForCells(double left, double top, double right, double bottom, long rows, long columns, Action<long, long> visit)
    {
        for (var r = Math.Max(0, (long)Math.Floor(top)); r <= Math.Min(rows - 1, (long)Math.Floor(bottom)); r++)
            for (var c = Math.Max(0, (long)Math.Floor(left)); c <= Math.Min(columns - 1, (long)Math.Floor(right)); c++)
                visit(r, c);
    }
}
