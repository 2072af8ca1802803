using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Attacks;

/// <summary>Fast gradient sign method: one step of size eps along the sign of the loss gradient.</summary>
public sealed class Fgsm(double eps, AttackLoss loss = AttackLoss.Margin) : Attack
{
    public override string Name => "fgsm";
    public override bool WhiteBox => true;

    public override Tensor Run(AttackTarget target, Tensor x, Tensor y)
    {
        var gradient = target.InputGradient(x, y, loss);
        using var _ = no_grad();
        return target.Clip(x.Plus(gradient.sign().mul(Held(eps * target.Range))));
    }
}
