using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Attacks;

public enum PerturbationNorm
{
    Linf,
    L2,
}

/// <summary>
/// DeepFool (Moosavi-Dezfooli et al. 2016): linearises the classifier around the current point
/// and steps to the nearest linearised decision boundary, until the label flips; the accumulated
/// perturbation is scaled by (1 + overshoot). L2 and L-inf variants; directions blocked by the input
/// range are left out of each linearisation. It finds minimal perturbations,
/// so the gate judges the point its perturbation reaches when projected onto the rule's budget.
/// </summary>
public sealed class DeepFool(double overshoot = 0.02, int maxIterations = 50, PerturbationNorm norm = PerturbationNorm.Linf) : Attack
{
    private const double Tiny = 1e-8;

    public override string Name => "deepfool";
    public override bool WhiteBox => true;

    public PerturbationNorm Norm => norm;

    public override bool MeasuresMinimalPerturbation => true;

    /// <summary>Foolbox's clip-and-retest: the overshot perturbation is projected onto the eps-ball and the valid range, and that point is judged.</summary>
    public override Tensor WithinBudget(AttackTarget target, Tensor x, Tensor adversarial, double eps)
    {
        using var _ = no_grad();
        return target.Project(adversarial, x, eps * target.Range);
    }

    public override Tensor Run(AttackTarget target, Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        var total = zeros_like(x);
        var adversarial = x.clone();
        var active = ones(x.shape[0], dtype: ScalarType.Bool, device: x.device);
        for (var iteration = 0; iteration < maxIterations; iteration++)
        {
            active = active.logical_and(NotYetFlipped(target, adversarial, y));
            if (!active.any().item<bool>())
                break;
            var (gradients, logits) = Jacobian(target, adversarial);
            var correctLogit = logits.gather(1, y.unsqueeze(1));
            var w = gradients - PickClass(gradients, y);                  // [N, C, ...]
            // Moving towards class k follows +w_k; components that would leave the valid range are blocked,
            // so the linearised problem is solved within the box (otherwise clipping stalls the search).
            var point = adversarial.unsqueeze(1);
            var blocked = point.le(Held(target.Low)).logical_and(w.lt(Held(0))).logical_or(point.ge(Held(target.High)).logical_and(w.gt(Held(0))));
            w = w.masked_fill(blocked, Held(0));
            var f = (logits - correctLogit).abs();                        // [N, C]
            var flat = w.flatten(2);
            var dual = norm == PerturbationNorm.L2 ? flat.norm(2, keepdim: false) : flat.abs().sum(2);
            var ratio = f.add(Held(Tiny)) / dual.add(Held(Tiny));
            ratio = ratio.scatter(1, y.unsqueeze(1), full_like(ratio[.., ..1], Held(double.PositiveInfinity)));
            var best = ratio.argmin(1);                                   // [N]
            var wBest = PickClass(w, best).squeeze(1);                    // [N, ...]
            var fBest = f.gather(1, best.unsqueeze(1)).squeeze(1);
            var dualBest = dual.gather(1, best.unsqueeze(1)).squeeze(1);
            var shape = new long[] { -1 }.Concat(Enumerable.Repeat(1L, (int)x.dim() - 1)).ToArray();
            // Aim just past the boundary: 1e-4 beyond it, relative to the logits' size, so that float32 can represent
            // the crossing (mnist-8's logits are in the thousands, where 1e-4 is below one ulp and the search stalls on a tie).
            var slack = correctLogit.squeeze(1).abs().clamp_min(Held(1)).mul(Held(1e-4));
            var stepSize = (fBest.Plus(slack) / (norm == PerturbationNorm.L2 ? dualBest.mul(dualBest) : dualBest).add(Held(Tiny))).reshape(shape);
            var step = norm == PerturbationNorm.L2 ? stepSize * wBest : stepSize * wBest.sign();
            // where(), not a multiplication by the mask: a finished sample's step may be non-finite, and inf x 0 is NaN.
            total = total.Plus(where(active.reshape(shape), step, zeros_like(step)));
            adversarial = target.Clip(x.Plus(total.mul(Held(1 + overshoot)))).detach();
            scope.DisposeEverythingBut(total, adversarial, active);
        }
        return adversarial.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Whether the true class still scores at least as high as every other. A tie is not a flip: argmax would
    /// call it one or not by index order, and another runtime's rounding decides it the other way.
    /// </summary>
    private static Tensor NotYetFlipped(AttackTarget target, Tensor adversarial, Tensor y)
    {
        using var _ = no_grad();
        return AttackTarget.Loss(target.Logits(adversarial), y, AttackLoss.Margin).le(Held(0));
    }

    /// <summary>For each sample, the slice of class <paramref name="index"/>[n] along dimension 1, kept as [N, 1, ...].</summary>
    private static Tensor PickClass(Tensor perClass, Tensor index)
    {
        var shape = new long[] { index.shape[0], 1 }.Concat(perClass.shape[2..]).ToArray();
        var view = new long[] { index.shape[0], 1 }.Concat(Enumerable.Repeat(1L, perClass.shape.Length - 2)).ToArray();
        return perClass.gather(1, index.reshape(view).expand(shape));
    }

    /// <summary>Per-sample gradients of every logit: one backward pass a class (averaged over passes for a randomised model).</summary>
    private static (Tensor Gradients, Tensor Logits) Jacobian(AttackTarget target, Tensor x)
    {
        using var enabled = enable_grad();
        Tensor? sum = null;
        Tensor logits = null!;
        for (var pass = 0; pass < target.GradientSamples; pass++)
        {
            var input = x.detach().requires_grad_(true);
            logits = target.Logits(input);
            var classes = logits.shape[1];
            var rows = new List<Tensor>();
            for (var c = 0; c < classes; c++)
                rows.Add(autograd.grad([logits[.., c].sum()], [input], retain_graph: c < classes - 1)[0]);
            var jacobian = stack(rows, 1).detach();
            sum = sum is null ? jacobian : sum.Plus(jacobian);
        }
        return (target.GradientSamples == 1 ? sum! : sum!.div(Held(target.GradientSamples)), logits.detach());
    }
}
