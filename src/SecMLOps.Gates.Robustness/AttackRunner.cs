using System.Diagnostics;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Robustness.Attacks;
using static SecMLOps.Gates.Robustness.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness;

/// <summary>Runs configured attacks over the evaluation set in batches, with progress, and measures robust accuracy.</summary>
internal sealed class AttackRunner(ModelUnderTest model, EvaluationSet set, Tensor cleanCorrect, double low, double high, RobustnessSettings settings, GateContext context)
{
    private readonly AttackTarget _whiteBox = model.WhiteBoxTarget(low, high);
    private readonly AttackTarget _blackBox = model.BlackBoxTarget(low, high);

    public IEnumerable<Measurement> Run(AttackSpec spec)
    {
        foreach (var eps in spec.Eps)
        {
            switch (spec.Name)
            {
                case "deepfool":
                    foreach (var xi in spec.Xi)
                        yield return DeepFoolMeasurement(new DeepFool(xi, spec.MaxIterations, spec.Norm), eps, xi);
                    break;
                case "fgsm":
                    yield return Measure(new Fgsm(eps, settings.Loss), eps, _whiteBox);
                    break;
                case "pgd":
                    yield return Measure(new Pgd(eps, spec.Steps, spec.StepSize, spec.RandomStart, settings.Loss, settings.Seed), eps, _whiteBox);
                    break;
                default:
                    yield return Measure(new SquareAttack(eps, spec.Queries, seed: settings.Seed), eps, _blackBox);
                    break;
            }
        }
    }

    private Measurement Measure(Attack attack, double eps, AttackTarget target)
    {
        long correct = 0;
        foreach (var (x, y, _) in Batches($"{attack.Name} eps={eps}"))
        {
            var adversarial = Finite(attack.Run(target, x, y), attack.Name);
            correct += model.Predict(adversarial, settings.BatchSize).eq(y.cpu()).sum().item<long>();
        }
        return new Measurement(attack.Name, eps, null, attack.WhiteBox, (double)correct / set.Count, set.Count, null);
    }

    /// <summary>A sample is broken only when the overshot perturbation flips the label within eps (L-inf).</summary>
    private Measurement DeepFoolMeasurement(DeepFool attack, double eps, double xi)
    {
        long robust = 0;
        var perturbations = new List<float>();
        var l2 = new List<float>();
        foreach (var (x, y, wasCorrect) in Batches($"deepfool xi={xi} eps={eps}"))
        {
            var adversarial = Finite(attack.Run(_whiteBox, x, y), "deepfool");
            var size = (adversarial - x).abs().flatten(1).amax([1]).cpu().div(Held(high - low));
            var flipped = model.Predict(adversarial, settings.BatchSize).ne(y.cpu());
            var broken = flipped.logical_and(size.le(Held(eps + 1e-6)));
            robust += wasCorrect.logical_and(broken.logical_not()).sum().item<long>();
            var found = wasCorrect.logical_and(flipped);
            perturbations.AddRange(size[found].data<float>().ToArray());
            l2.AddRange((adversarial - x).flatten(1).norm(1, keepdim: false).cpu().div(Held(high - low))[found].data<float>().ToArray());
        }
        return new Measurement("deepfool", eps, xi, true, (double)robust / set.Count, set.Count, Median(perturbations), Median(l2));
    }

    /// <summary>Fails closed: a non-finite adversarial input would be counted as robust by mistake.</summary>
    private static Tensor Finite(Tensor adversarial, string attack) =>
        adversarial.isfinite().all().item<bool>() ? adversarial
        : throw new InvalidOperationException($"the {attack} attack produced non-finite inputs; its results cannot be trusted");

    private static double? Median(List<float> values) => values.Count == 0 ? null : values.Order().ElementAt(values.Count / 2);

    /// <summary>The fraction of correctly classified samples whose input gradient under the rule's loss is all zero.</summary>
    public double ZeroGradientFraction()
    {
        long zero = 0, counted = 0;
        foreach (var (x, y, wasCorrect) in Batches("gradient check", report: false))
        {
            var gradient = _whiteBox.InputGradient(x, y, settings.Loss).abs().flatten(1).amax([1]).cpu();
            zero += gradient.eq(Held(0)).logical_and(wasCorrect).sum().item<long>();
            counted += wasCorrect.sum().item<long>();
        }
        return counted == 0 ? 0 : (double)zero / counted;
    }

    private IEnumerable<(Tensor X, Tensor Y, Tensor WasCorrect)> Batches(string label, bool report = true)
    {
        var watch = Stopwatch.StartNew();
        var total = (int)Math.Ceiling((double)set.Count / settings.BatchSize);
        for (var index = 0; index < total; index++)
        {
            var start = (long)index * settings.BatchSize;
            var length = Math.Min(settings.BatchSize, set.Count - start);
            using var scope = NewDisposeScope();
            yield return (set.Inputs.narrow(0, start, length).to(model.Device), set.Labels.narrow(0, start, length).to(model.Device), cleanCorrect.narrow(0, start, length));
            if (!report) continue;
            var done = start + length;
            var rate = done / Math.Max(watch.Elapsed.TotalSeconds, 1e-9);
            context.Progress($"{label}: batch {index + 1}/{total}, {rate:0.0} samples/s, ETA {(set.Count - done) / rate:0} s");
        }
    }
}
