using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Attacks;

/// <summary>
/// Square Attack (Andriushchenko et al. 2020), L-inf, score-based: it needs logits only, so it runs
/// on ONNX Runtime too and cannot be fooled by masked gradients. From vertical stripes of +-eps it
/// tries random squares of +-eps per channel, keeping a change when the margin loss grows; the
/// square's share of the image starts at pInit and halves on the published schedule (rescaled to the
/// query budget). Flat inputs are attacked as one row of features, windows being runs of features.
/// </summary>
public sealed class SquareAttack(double eps, int queries = 1000, double pInit = 0.8) : Attack
{
    public override string Name => "square";
    public override bool WhiteBox => false;

    public override Tensor Run(AttackTarget target, Tensor x, Tensor y)
    {
        var images = x.dim() == 2 ? x.reshape(x.shape[0], 1, 1, x.shape[1]) : x;
        var sample = x.shape[1..];
        var result = RunOnImages(new AttackTarget(i => target.Logits(i.reshape([-1, .. sample])), target.Low, target.High, target.Generator), images, y);
        return result.reshape(x.shape);
    }

    private Tensor RunOnImages(AttackTarget target, Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var radius = eps * target.Range;
        var (height, width, channels, channelAxis) = Geometry(x);
        var generator = target.Generator;

        // Vertical stripes: one random sign per (sample, channel, column).
        var stripeShape = channelAxis == 1 ? new long[] { x.shape[0], channels, 1, width } : new long[] { x.shape[0], 1, width, channels };
        var adversarial = target.Clip(x.Plus(RandomSigns(stripeShape, x, generator).mul(Held(radius)).expand_as(x)));
        var loss = AttackTarget.Loss(target.Logits(adversarial), y, AttackLoss.Margin);

        for (var query = 1; query < queries; query++)
        {
            // Only the samples not yet misclassified are queried: a broken one is done.
            var alive = loss.lt(Held(0)).nonzero().flatten();
            if (alive.shape[0] == 0) break;
            var (sideHeight, sideWidth) = WindowSize(Fraction(query), height, width);
            var top = (int)randint(0, height - sideHeight + 1, [1], generator: generator, device: x.device).item<long>();
            var left = (int)randint(0, width - sideWidth + 1, [1], generator: generator, device: x.device).item<long>();
            var (clean, current) = (x.index_select(0, alive), adversarial.index_select(0, alive));
            var candidateDelta = current - clean;
            var window = Window(candidateDelta, top, left, sideHeight, sideWidth, channelAxis);
            window.copy_(RandomSigns(WindowSignShape(clean, channels, channelAxis), clean, generator).mul(Held(radius)).expand_as(window));
            var candidate = target.Clip(clean.Plus(candidateDelta));
            var candidateLoss = AttackTarget.Loss(target.Logits(candidate), y.index_select(0, alive), AttackLoss.Margin);
            var improved = candidateLoss.gt(loss.index_select(0, alive));
            var mask = improved.reshape(new long[] { -1 }.Concat(Enumerable.Repeat(1L, (int)x.dim() - 1)).ToArray());
            adversarial = adversarial.index_copy(0, alive, where(mask, candidate, current));
            loss = loss.index_copy(0, alive, where(improved, candidateLoss, loss.index_select(0, alive)));
            scope.DisposeEverythingBut(adversarial, loss);
        }
        return adversarial.MoveToOuterDisposeScope();
    }

    /// <summary>The fraction of pixels a square covers, halved at the published query milestones (for 10,000 queries, rescaled).</summary>
    private double Fraction(int query)
    {
        var progress = (int)(query * 10000.0 / Math.Max(queries, 1));
        var halvings = new[] { 10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000 }.Count(m => progress > m);
        return pInit / Math.Pow(2, halvings);
    }

    /// <summary>A square covering the fraction of an image (at most one short of its side), or a run of that fraction of a row of features.</summary>
    private static (int Height, int Width) WindowSize(double fraction, int height, int width)
    {
        if (height == 1)
            return (1, Math.Clamp((int)Math.Round(fraction * width), 1, width));
        var side = Math.Clamp((int)Math.Round(Math.Sqrt(fraction * height * width)), 1, Math.Max(1, Math.Min(height, width) - 1));
        return (side, side);
    }

    /// <summary>Height, width and channels of image inputs (NCHW, or NHWC when the last axis is the short one).</summary>
    private static (int Height, int Width, int Channels, int ChannelAxis) Geometry(Tensor x) => x.dim() switch
    {
        4 when x.shape[1] <= 4 => ((int)x.shape[2], (int)x.shape[3], (int)x.shape[1], 1),
        4 => ((int)x.shape[1], (int)x.shape[2], (int)x.shape[3], 3),
        _ => throw new NotSupportedException($"Square Attack needs flat inputs [N, features] or images [N, C, H, W] / [N, H, W, C]; got [{string.Join(", ", x.shape)}]"),
    };

    /// <summary>+1 or -1, each with probability one half.</summary>
    private static Tensor RandomSigns(long[] shape, Tensor like, Generator generator) =>
        randint(0, 2, shape, generator: generator, device: like.device).to_type(like.dtype).mul(Held(2)).sub(Held(1));

    private static long[] WindowSignShape(Tensor x, int channels, int channelAxis) =>
        channelAxis == 1 ? [x.shape[0], channels, 1, 1] : [x.shape[0], 1, 1, channels];

    private static Tensor Window(Tensor t, int top, int left, int height, int width, int channelAxis) => channelAxis == 1
        ? t[.., .., top..(top + height), left..(left + width)]
        : t[.., top..(top + height), left..(left + width), ..];
}
