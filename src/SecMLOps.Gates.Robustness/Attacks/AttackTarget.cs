using static SecMLOps.Gates.Robustness.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Attacks;

public enum AttackLoss
{
    /// <summary>max over other classes of z_j minus z_y: stays informative when softmax saturates.</summary>
    Margin,

    CrossEntropy,
}

/// <summary>
/// What every attack needs, in one place: logits of inputs in raw value space (normalization and
/// reshaping live in the model function), the valid input range, and input gradients of the loss.
/// </summary>
public sealed class AttackTarget(Func<Tensor, Tensor> logits, double low, double high)
{
    public double Low => low;
    public double High => high;

    /// <summary>The size of the valid input range; attack budgets are fractions of it.</summary>
    public double Range => high - low;

    public Tensor Logits(Tensor x) => logits(x);

    public Tensor Predict(Tensor x)
    {
        using var _ = no_grad();
        return logits(x).argmax(1);
    }

    public Tensor Clip(Tensor x) => x.clamp(Held(low), Held(high));

    /// <summary>Per-sample loss to maximise, shape [N].</summary>
    public static Tensor Loss(Tensor z, Tensor y, AttackLoss loss)
    {
        if (loss == AttackLoss.CrossEntropy)
            return nn.functional.cross_entropy(z, y, reduction: nn.Reduction.None);
        var correct = z.gather(1, y.unsqueeze(1)).squeeze(1);
        var others = z.scatter(1, y.unsqueeze(1), full_like(correct.unsqueeze(1), Held(double.NegativeInfinity)));
        return others.amax([1]) - correct;
    }

    /// <summary>The gradient of the summed per-sample loss with respect to the input (samples do not interact).</summary>
    public Tensor InputGradient(Tensor x, Tensor y, AttackLoss loss)
    {
        using var enabled = enable_grad();
        var input = x.detach().requires_grad_(true);
        var value = Loss(logits(input), y, loss).sum();
        return autograd.grad([value], [input])[0].detach();
    }
}
