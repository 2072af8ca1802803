using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Attacks;

/// <summary>
/// Auto-PGD (Croce and Hein 2020), L-inf: a random start, steps of 2 eps with momentum 0.75, and at
/// checkpoints (22 %, then shrinking by 3 % of the iterations to at least 6 %) the step size is halved
/// and the search restarts from the best point wherever fewer than 75 % of the steps since the last
/// checkpoint raised the loss, or the step was not halved last time and the best loss has not moved.
/// Cross-entropy, DLR or, targeted, the targeted DLR loss towards each of the next most likely
/// classes in turn. A sample counts as fooled by any misclassified iterate; each restart and target
/// attacks only the samples still robust.
/// </summary>
public sealed class Apgd(string name, double eps, AttackLoss loss, int steps = 100, int restarts = 1, int targetClasses = 0) : Attack
{
    private const double Rho = 0.75;
    private const double Momentum = 0.75;

    public override string Name => name;
    public override bool WhiteBox => true;

    /// <summary>The fewest classes the loss works with: DLR needs a third logit, the targeted DLR a fourth.</summary>
    public int MinimumClasses => targetClasses > 0 ? 4 : loss == AttackLoss.Dlr ? 3 : 2;

    public override Tensor Run(AttackTarget target, Tensor x, Tensor y)
    {
        var adversarial = x.clone();
        var robust = ones(x.shape[0], dtype: ScalarType.Bool, device: x.device);
        if (targetClasses == 0)
        {
            for (var restart = 0; restart < restarts; restart++)
                AttackRobust(target, x, y, adversarial, robust, null);
            return adversarial;
        }
        Tensor ranked;
        using (no_grad())
            ranked = target.Logits(x).argsort(1, descending: true);
        var classes = (int)ranked.shape[1];
        for (var rank = 1; rank <= Math.Min(targetClasses, classes - 1); rank++)
            for (var restart = 0; restart < restarts; restart++)
                AttackRobust(target, x, y, adversarial, robust, ranked[.., rank]);
        return adversarial;
    }

    private void AttackRobust(AttackTarget target, Tensor x, Tensor y, Tensor adversarial, Tensor robust, Tensor? targets)
    {
        if (!robust.any().item<bool>())
            return;
        var index = robust.nonzero().squeeze(1);
        var (fooled, found) = Single(target, x.index_select(0, index), y.index_select(0, index), targets?.index_select(0, index));
        using var _ = no_grad();
        var fooledIndex = index.masked_select(fooled);
        adversarial.index_copy_(0, fooledIndex, found.index_select(0, fooled.nonzero().squeeze(1)));
        robust.index_fill_(0, fooledIndex, HeldInteger(0));
    }

    private (Tensor Fooled, Tensor Found) Single(AttackTarget target, Tensor x, Tensor y, Tensor? targets)
    {
        // Every iteration makes new tensors; all but the search's state are freed as it goes.
        using var scope = NewDisposeScope();
        var radius = eps * target.Range;
        var (checkpoint, minimum, decrease) = (Math.Max((int)(0.22 * steps), 1), Math.Max((int)(0.06 * steps), 1), Math.Max((int)(0.03 * steps), 1));
        var shape = new long[] { -1 }.Concat(Enumerable.Repeat(1L, (int)x.dim() - 1)).ToArray();
        Tensor start;
        using (no_grad())
        {
            var noise = rand(x.shape, generator: target.Generator, device: x.device).mul(Held(2)).sub(Held(1));
            var largest = noise.abs().flatten(1).amax([1]).reshape(shape).add(Held(1e-12));
            start = target.Clip(x.Plus(noise.div(largest).mul(Held(radius))));
        }
        var (gradient, lossValue, logits) = target.InputGradientAndLoss(start, y, loss, targets);
        using var outer = no_grad();
        var (current, previous) = (start, start);
        var (best, bestGradient, bestLoss) = (start.clone(), gradient.clone(), lossValue.clone());
        var found = start.clone();
        var fooled = logits.argmax(1).ne(y);
        var stepSize = full(x.shape[0], Held(2 * radius), device: x.device);
        var lastLoss = lossValue;
        var successes = zeros(x.shape[0], device: x.device);
        var bestAtCheck = bestLoss.clone();
        var halvedAtCheck = ones(x.shape[0], dtype: ScalarType.Bool, device: x.device);
        var (interval, counter) = (checkpoint, 0);
        for (var i = 0; i < steps; i++)
        {
            var alpha = i == 0 ? 1.0 : Momentum;
            var momentum = current - previous;
            previous = current;
            var z = target.Project(current.Plus(stepSize.reshape(shape).mul(gradient.sign())), x, radius);
            current = target.Project(current.Plus((z - current).mul(Held(alpha))).Plus(momentum.mul(Held(1 - alpha))), x, radius);
            (gradient, lossValue, logits) = target.InputGradientAndLoss(current, y, loss, targets);
            var misclassified = logits.argmax(1).ne(y);
            found = where(misclassified.reshape(shape), current, found);
            fooled = fooled.logical_or(misclassified);
            successes = successes.Plus(lossValue.gt(lastLoss).to_type(successes.dtype));
            lastLoss = lossValue;
            var improved = lossValue.gt(bestLoss);
            best = where(improved.reshape(shape), current, best);
            bestGradient = where(improved.reshape(shape), gradient, bestGradient);
            bestLoss = where(improved, lossValue, bestLoss);
            if (++counter < interval)
            {
                scope.DisposeEverythingBut(current, previous, best, bestGradient, bestLoss, found, fooled, stepSize, lastLoss, successes, bestAtCheck, halvedAtCheck, gradient);
                continue;
            }
            var tooFewSuccesses = successes.le(Held(interval * Rho));
            var stalled = halvedAtCheck.logical_not().logical_and(bestAtCheck.ge(bestLoss));
            var halve = tooFewSuccesses.logical_or(stalled);
            halvedAtCheck = halve;
            bestAtCheck = bestLoss.clone();
            stepSize = where(halve, stepSize.mul(Held(0.5)), stepSize);
            current = where(halve.reshape(shape), best, current);
            gradient = where(halve.reshape(shape), bestGradient, gradient);
            successes = zeros_like(successes);
            (interval, counter) = (Math.Max(interval - decrease, minimum), 0);
            scope.DisposeEverythingBut(current, previous, best, bestGradient, bestLoss, found, fooled, stepSize, lastLoss, successes, bestAtCheck, halvedAtCheck, gradient);
        }
        return (fooled.MoveToOuterDisposeScope(), found.MoveToOuterDisposeScope());
    }
}
