using static SecMLOps.Gates.Robustness.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Attacks;

/// <summary>
/// Square Attack (Andriushchenko et al. 2020), L-inf, score-based: it needs logits only, so it runs
/// on ONNX Runtime too and cannot be fooled by masked gradients. From vertical stripes of +-eps it
/// tries random squares of +-eps per channel, keeping a change when the margin loss grows; the
/// square shrinks on the published schedule.
/// </summary>
public sealed class SquareAttack(double eps, int queries = 1000, double initialFraction = 0.05, int seed = 0) : Attack
{
    public override string Name => "square";
    public override bool WhiteBox => false;

    public override Tensor Run(AttackTarget target, Tensor x, Tensor y)
    {
        var random = new Random(seed);
        var radius = eps * target.Range;
        var (height, width, channels, channelAxis) = Geometry(x);
        using var _ = no_grad();
        var generator = new TorchSharp.torch.Generator((ulong)seed, x.device);

        // Vertical stripes: one random sign per (sample, channel, column).
        var stripeShape = channelAxis == 1 ? new long[] { x.shape[0], channels, 1, width } : new long[] { x.shape[0], 1, width, channels };
        var stripes = RandomSigns(stripeShape, x, generator).mul(Held(radius));
        var adversarial = target.Clip(x.Plus(Expand(stripes, x)));
        var loss = AttackTarget.Loss(target.Logits(adversarial), y, AttackLoss.Margin);

        for (var query = 1; query < queries; query++)
        {
            var alive = loss.lt(Held(0));
            if (!alive.any().item<bool>()) break;
            var side = Math.Clamp((int)Math.Round(Math.Sqrt(Fraction(query) * height * width)), 1, Math.Min(height, width) - 1);
            var (top, left) = (random.Next(height - side + 1), random.Next(width - side + 1));
            var delta = adversarial - x;
            var window = Window(delta, top, left, side, channelAxis);
            var signs = RandomSigns(WindowSignShape(x, channels, channelAxis), x, generator).mul(Held(radius));
            var candidateDelta = delta.clone();
            Window(candidateDelta, top, left, side, channelAxis).copy_(signs.expand_as(window));
            var candidate = target.Clip(x.Plus(candidateDelta));
            var candidateLoss = AttackTarget.Loss(target.Logits(candidate), y, AttackLoss.Margin);
            var improved = candidateLoss.gt(loss).logical_and(alive);
            var mask = improved.reshape(new long[] { -1 }.Concat(Enumerable.Repeat(1L, (int)x.dim() - 1)).ToArray());
            adversarial = where(mask, candidate, adversarial);
            loss = where(improved, candidateLoss, loss);
        }
        return adversarial;
    }

    /// <summary>The fraction of pixels a square covers, halved at the published query milestones (for 10,000 queries, rescaled).</summary>
    private double Fraction(int query)
    {
        var progress = (int)(query * 10000.0 / Math.Max(queries, 1));
        var halvings = new[] { 10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000 }.Count(m => progress > m);
        return initialFraction / Math.Pow(2, halvings);
    }

    /// <summary>Height, width and channels of image inputs (NCHW or NHWC); flat inputs are one row of features.</summary>
    private static (int Height, int Width, int Channels, int ChannelAxis) Geometry(Tensor x) => x.dim() switch
    {
        4 when x.shape[1] <= 4 => ((int)x.shape[2], (int)x.shape[3], (int)x.shape[1], 1),
        4 => ((int)x.shape[1], (int)x.shape[2], (int)x.shape[3], 3),
        _ => throw new NotSupportedException($"Square Attack needs image inputs [N, C, H, W] or [N, H, W, C]; got [{string.Join(", ", x.shape)}]"),
    };

    /// <summary>+1 or -1, each with probability one half.</summary>
    private static Tensor RandomSigns(long[] shape, Tensor like, TorchSharp.torch.Generator generator) =>
        randint(0, 2, shape, generator: generator, device: like.device).to_type(like.dtype).mul(Held(2)).sub(Held(1));

    private static Tensor Expand(Tensor stripes, Tensor x) => stripes.expand_as(x);

    private static long[] WindowSignShape(Tensor x, int channels, int channelAxis) =>
        channelAxis == 1 ? [x.shape[0], channels, 1, 1] : [x.shape[0], 1, 1, channels];

    private static Tensor Window(Tensor t, int top, int left, int side, int channelAxis) => channelAxis == 1
        ? t[.., .., top..(top + side), left..(left + side)]
        : t[.., top..(top + side), left..(left + side), ..];
}
