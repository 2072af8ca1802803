using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Attacks;

/// <summary>
/// Projected gradient descent (L-inf): optional uniform random start in the eps-ball, then signed
/// steps of stepSize x eps, each projected back onto the eps-ball and the valid range. It returns
/// the best iterate, not the last: a sample misclassified at any step keeps that point, the others
/// their highest-loss point; each further restart (from a new random start) attacks only the samples
/// still robust.
/// </summary>
public sealed class Pgd(double eps, int steps = 10, double stepFraction = 0.25, bool randomStart = true, int restarts = 1, AttackLoss loss = AttackLoss.Margin) : Attack
{
    public override string Name => "pgd";
    public override bool WhiteBox => true;

    public override Tensor Run(AttackTarget target, Tensor x, Tensor y)
    {
        var best = x.clone();
        var robust = ones(x.shape[0], dtype: ScalarType.Bool, device: x.device);
        for (var restart = 0; restart < restarts && robust.any().item<bool>(); restart++)
        {
            var index = robust.nonzero().squeeze(1);
            var (found, fooled) = Single(target, x.index_select(0, index), y.index_select(0, index));
            best.index_copy_(0, index, found);
            robust.index_copy_(0, index, fooled.logical_not());
        }
        return best;
    }

    private (Tensor Best, Tensor Fooled) Single(AttackTarget target, Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var radius = eps * target.Range;
        var step = stepFraction * radius;
        Tensor adversarial;
        using (no_grad())
        {
            adversarial = randomStart
                ? target.Clip(x.Plus(rand(x.shape, generator: target.Generator, device: x.device).mul(Held(2)).sub(Held(1)).mul(Held(radius))))
                : x.clone();
        }
        var best = adversarial.clone();
        var bestLoss = full(x.shape[0], Held(double.NegativeInfinity), device: x.device);
        var fooled = zeros(x.shape[0], dtype: ScalarType.Bool, device: x.device);
        for (var i = 0; i < steps; i++)
        {
            var (gradient, value, logits) = target.InputGradientAndLoss(adversarial, y, loss);
            using var _ = no_grad();
            Keep(best, bestLoss, fooled, adversarial, value, logits.argmax(1).ne(y));
            adversarial = target.Project(adversarial.Plus(gradient.sign().mul(Held(step))), x, radius);
            scope.DisposeEverythingBut(adversarial, best, bestLoss, fooled);
        }
        using (no_grad())
        {
            var last = target.Logits(adversarial);
            Keep(best, bestLoss, fooled, adversarial, AttackTarget.Loss(last, y, loss), last.argmax(1).ne(y));
        }
        return (best.MoveToOuterDisposeScope(), fooled.MoveToOuterDisposeScope());
    }

    /// <summary>A misclassified point wins over any loss; among the others the highest loss is kept.</summary>
    private static void Keep(Tensor best, Tensor bestLoss, Tensor fooled, Tensor current, Tensor currentLoss, Tensor misclassified)
    {
        var take = misclassified.logical_and(fooled.logical_not()).logical_or(fooled.logical_not().logical_and(currentLoss.gt(bestLoss)));
        var shape = new long[] { -1 }.Concat(Enumerable.Repeat(1L, (int)current.dim() - 1)).ToArray();
        best.copy_(where(take.reshape(shape), current, best));
        bestLoss.copy_(where(take, currentLoss, bestLoss));
        fooled.logical_or_(misclassified);
    }
}
