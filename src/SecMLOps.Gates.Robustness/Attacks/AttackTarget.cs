using SecMLOps.Gates.Robustness.Tensors;
using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Attacks;

public enum AttackLoss
{
    /// <summary>max over other classes of z_j minus z_y: stays informative when softmax saturates.</summary>
    Margin,

    CrossEntropy,

    /// <summary>Difference of logits ratio (Croce and Hein 2020): margin over the spread of the top logits, so scaling the logits changes nothing.</summary>
    Dlr,
}

/// <summary>
/// What every attack needs, in one place: logits of inputs in raw value space (normalization,
/// reshaping and, for probability outputs, the logarithm live in the model function), the valid
/// input range, input gradients of a loss (averaged over several passes for a randomised model:
/// expectation over transformation), and the random generator of the rule, advanced across batches.
/// </summary>
public sealed class AttackTarget(Func<Tensor, Tensor> logits, double low, double high, Generator generator, int gradientSamples = 1)
{
    private readonly InputRange _inputs = new(low, high);

    public double Low => low;
    public double High => high;

    /// <summary>The size of the valid input range; attack budgets are fractions of it.</summary>
    public double Range => _inputs.Range;

    /// <summary>One generator per rule: each batch draws fresh noise, and the same seed gives the same run.</summary>
    public Generator Generator => generator;

    /// <summary>Passes averaged per gradient (expectation over transformation); 1 for a deterministic model.</summary>
    public int GradientSamples => gradientSamples;

    public Tensor Logits(Tensor x) => logits(x);

    public Tensor Predict(Tensor x)
    {
        using var _ = no_grad();
        return logits(x).argmax(1);
    }

    public Tensor Clip(Tensor x) => _inputs.Clip(x);

    /// <summary>Keeps x inside the eps-ball (L-inf, raw units) around the clean point and inside the valid range.</summary>
    public Tensor Project(Tensor x, Tensor clean, double radius) => _inputs.Project(x, clean, radius);

    /// <summary>Per-sample loss to maximise, shape [N]; <paramref name="targets"/> only for the targeted DLR loss.</summary>
    public static Tensor Loss(Tensor z, Tensor y, AttackLoss loss, Tensor? targets = null)
    {
        if (loss == AttackLoss.CrossEntropy)
            return nn.functional.cross_entropy(z, y, reduction: nn.Reduction.None);
        var correct = z.gather(1, y.unsqueeze(1)).squeeze(1);
        if (loss == AttackLoss.Dlr)
        {
            var sorted = z.sort(1, descending: true).Values;
            if (targets is { } t)
            {
                // Targeted: -(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2).
                var target = z.gather(1, t.unsqueeze(1)).squeeze(1);
                var spread = sorted[.., 0] - (sorted[.., 2].Plus(sorted[.., 3])).mul(Held(0.5));
                return (target - correct) / spread.add(Held(1e-12));
            }
            return (BestOther(z, y, correct) - correct) / (sorted[.., 0] - sorted[.., 2]).add(Held(1e-12));
        }
        return BestOther(z, y, correct) - correct;
    }

    private static Tensor BestOther(Tensor z, Tensor y, Tensor correct) =>
        z.scatter(1, y.unsqueeze(1), full_like(correct.unsqueeze(1), Held(double.NegativeInfinity))).amax([1]);

    /// <summary>The gradient of the summed per-sample loss with respect to the input (samples do not interact), averaged over <see cref="GradientSamples"/> passes.</summary>
    public Tensor InputGradient(Tensor x, Tensor y, AttackLoss loss, Tensor? targets = null) => InputGradientAndLoss(x, y, loss, targets).Gradient;

    /// <summary>The gradient (averaged over passes) and the per-sample loss and logits of the last pass.</summary>
    public (Tensor Gradient, Tensor Loss, Tensor Logits) InputGradientAndLoss(Tensor x, Tensor y, AttackLoss loss, Tensor? targets = null)
    {
        using var enabled = enable_grad();
        Tensor? sum = null;
        Tensor lastLoss = null!, lastLogits = null!;
        for (var pass = 0; pass < gradientSamples; pass++)
        {
            var input = x.detach().requires_grad_(true);
            var z = logits(input);
            var value = Loss(z, y, loss, targets);
            var gradient = autograd.grad([value.sum()], [input])[0].detach();
            sum = sum is null ? gradient : sum.Plus(gradient);
            (lastLoss, lastLogits) = (value.detach(), z.detach());
        }
        return (gradientSamples == 1 ? sum! : sum!.div(Held(gradientSamples)), lastLoss, lastLogits);
    }
}
