using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Robustness.Attacks;
using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Tests.Robustness.Example;

/// <summary>
/// R+FGSM (Tramèr et al. 2018), an attack only the tests add: a random step of eps/2 along the sign of
/// Gaussian noise, then a gradient-sign step of eps/2 from there. Adding it takes this file, whose
/// <see cref="Definition"/> is the one entry a catalogue given to a robustness gate needs.
/// </summary>
internal sealed class RandomStepFgsm(double eps, AttackLoss loss) : Attack
{
    public static readonly AttackDefinition Definition = new("rfgsm", "a random step of eps/2, then a gradient-sign step of eps/2 (R+FGSM)", true, 6,
        new JObject(), options => new RandomStepFgsm(options.Eps, options.Loss)) { SingleStep = true };

    public override string Name => Definition.Name;

    public override bool WhiteBox => true;

    public override Tensor Run(AttackTarget target, Tensor x, Tensor y)
    {
        var half = eps / 2 * target.Range;
        Tensor start;
        using (no_grad())
            start = target.Clip(x.Plus(randn(x.shape, device: x.device, generator: target.Generator).sign().mul(Held(half))));
        var gradient = target.InputGradient(start, y, loss);
        using var _ = no_grad();
        return target.Project(start.Plus(gradient.sign().mul(Held(half))), x, eps * target.Range);
    }
}
