using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Attacks;

/// <summary>
/// One adversarial attack: takes clean inputs and labels, returns adversarial inputs in the valid
/// range. Whether a sample is broken is decided by the runner, on the model's reference runtime.
/// </summary>
public abstract class Attack
{
    public abstract string Name { get; }

    /// <summary>True when the attack needs input gradients (white-box).</summary>
    public abstract bool WhiteBox { get; }

    public abstract Tensor Run(AttackTarget target, Tensor x, Tensor y);

    /// <summary>
    /// The point judged against the budget. Bounded attacks already stay in the eps-ball; an attack
    /// that searches for a minimal perturbation (DeepFool) has it projected onto the ball and the
    /// valid range, so a perturbation that overshoots eps is tested within eps, not counted as robust.
    /// </summary>
    public virtual Tensor WithinBudget(AttackTarget target, Tensor x, Tensor adversarial, double eps) => adversarial;

    /// <summary>Whether the attack measures the minimal perturbation a sample needs (reported as its median).</summary>
    public virtual bool MeasuresMinimalPerturbation => false;
}
