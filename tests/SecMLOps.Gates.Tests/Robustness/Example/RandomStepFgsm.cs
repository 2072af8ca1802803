using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Robustness.Attacks;
using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Tests.Robustness.Example;

/// <summary>
/// R+FGSM (Tramèr et al. 2018), an attack only the tests add: a random step along the sign of Gaussian
/// noise, then a gradient-sign step for the rest of eps. Its option <c>randomStep</c> (the random step's
/// share of eps) is one no built-in attack takes. Adding it takes this file, whose <see cref="Definition"/>
/// is the one entry a catalogue given to a robustness gate needs: the option's default and its schema are in it.
/// </summary>
internal sealed class RandomStepFgsm(double eps, double randomStep, AttackLoss loss) : Attack
{
    public static readonly AttackDefinition Definition = new("rfgsm", "a random step of part of eps, then a gradient-sign step of the rest (R+FGSM)", true, 6,
        new JObject { ["randomStep"] = 0.5 }, options => new RandomStepFgsm(options.Eps, options.Number("randomStep"), options.Loss))
    {
        SingleStep = true,
        OptionSchemas = new JObject
        {
            ["randomStep"] = new JObject
            {
                ["type"] = "number", ["exclusiveMinimum"] = 0, ["exclusiveMaximum"] = 1,
                ["description"] = "The random step as a share of eps; the gradient-sign step takes the rest.", ["x-stricter"] = "neutral",
            },
        },
    };

    public override string Name => Definition.Name;

    public override bool WhiteBox => true;

    public override Tensor Run(AttackTarget target, Tensor x, Tensor y)
    {
        var random = eps * randomStep * target.Range;
        Tensor start;
        using (no_grad())
            start = target.Clip(x.Plus(randn(x.shape, device: x.device, generator: target.Generator).sign().mul(Held(random))));
        var gradient = target.InputGradient(start, y, loss);
        using var _ = no_grad();
        return target.Project(start.Plus(gradient.sign().mul(Held(eps * target.Range - random))), x, eps * target.Range);
    }
}
