using static SecMLOps.Gates.Robustness.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Attacks;

/// <summary>
/// Projected gradient descent (L-inf): optional uniform random start in the eps-ball, then signed
/// steps of stepSize x eps, each projected back onto the eps-ball and the valid range.
/// </summary>
public sealed class Pgd(double eps, int steps = 10, double stepFraction = 0.25, bool randomStart = true, AttackLoss loss = AttackLoss.Margin, int seed = 0) : Attack
{
    public override string Name => "pgd";
    public override bool WhiteBox => true;

    public override Tensor Run(AttackTarget target, Tensor x, Tensor y)
    {
        var radius = eps * target.Range;
        var step = stepFraction * radius;
        Tensor adversarial;
        using (no_grad())
        {
            var generator = new TorchSharp.torch.Generator((ulong)seed, x.device);
            adversarial = randomStart
                ? target.Clip(x.Plus(rand(x.shape, generator: generator, device: x.device).mul(Held(2)).sub(Held(1)).mul(Held(radius))))
                : x.clone();
        }
        for (var i = 0; i < steps; i++)
        {
            var gradient = target.InputGradient(adversarial, y, loss);
            using var _ = no_grad();
            var moved = adversarial.Plus(gradient.sign().mul(Held(step)));
            adversarial = target.Clip(x.Plus((moved - x).clamp(Held(-radius), Held(radius))));
        }
        return adversarial;
    }
}
