using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Attacks;

/// <summary>One adversarial attack: takes clean inputs and labels, returns adversarial inputs in the valid range.</summary>
public abstract class Attack
{
    public abstract string Name { get; }

    /// <summary>True when the attack needs input gradients (white-box).</summary>
    public abstract bool WhiteBox { get; }

    public abstract Tensor Run(AttackTarget target, Tensor x, Tensor y);
}
