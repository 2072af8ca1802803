using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Robustness.Tensors;
using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Detection;

/// <summary>
/// What the attacks on a detector need: the candidates' score logits of inputs in raw value space
/// (normalization lives in the function), the valid input range, the score loss's input gradient, and the rule's
/// random generator.
/// </summary>
public sealed class DetectionTarget(Func<Tensor, Tensor> scoreLogits, InputRange inputs, double thresholdLogit, Generator generator)
{
    /// <summary>The valid input range: attacks clip and project into it, and their budgets are fractions of its size.</summary>
    public InputRange Inputs => inputs;

    public Generator Generator => generator;

    /// <summary>The logit above which a candidate gives a box.</summary>
    public double ThresholdLogit => thresholdLogit;

    public Tensor ScoreLogits(Tensor x) => scoreLogits(x);

    /// <summary>The score loss per image and its input gradient (images do not interact).</summary>
    public (Tensor Gradient, Tensor Loss) LossGradient(Tensor x, CandidateTargets targets)
    {
        using var enabled = enable_grad();
        var input = x.detach().requires_grad_(true);
        var loss = DetectionHead.ScoreLoss(scoreLogits(input), targets);
        var gradient = autograd.grad([loss.sum()], [input])[0].detach();
        return (gradient, loss.detach());
    }
}

/// <summary>One attack on a detector: clean images and their targets in, adversarial images in the valid range out.</summary>
public abstract class DetectionAttack
{
    public abstract Tensor Run(DetectionTarget target, Tensor x, CandidateTargets targets);

    /// <summary>The point judged: bounded attacks already are in the eps-ball; minimal-perturbation ones are projected onto it.</summary>
    public virtual Tensor WithinBudget(DetectionTarget target, Tensor x, Tensor adversarial, double eps) => adversarial;
}

/// <summary>One signed step of eps up the score loss.</summary>
public sealed class DetectionFgsm(double eps) : DetectionAttack
{
    public override Tensor Run(DetectionTarget target, Tensor x, CandidateTargets targets)
    {
        var (gradient, _) = target.LossGradient(x, targets);
        using var _ = no_grad();
        return target.Inputs.Clip(x.Plus(gradient.sign().mul(Held(eps * target.Inputs.Range))));
    }
}

/// <summary>Signed steps of stepFraction x eps from a random point of the eps-ball, each projected back; each image keeps its highest-loss iterate.</summary>
public sealed class DetectionPgd(double eps, int steps, double stepFraction) : DetectionAttack
{
    public override Tensor Run(DetectionTarget target, Tensor x, CandidateTargets targets)
    {
        using var scope = NewDisposeScope();
        var radius = eps * target.Inputs.Range;
        Tensor adversarial;
        using (no_grad())
            adversarial = target.Inputs.Clip(x.Plus(rand(x.shape, generator: target.Generator, device: x.device).mul(Held(2)).sub(Held(1)).mul(Held(radius))));
        var best = adversarial.clone();
        var bestLoss = full(x.shape[0], Held(double.NegativeInfinity), device: x.device);
        for (var step = 0; step <= steps; step++)
        {
            var (gradient, loss) = target.LossGradient(adversarial, targets);
            using var _ = no_grad();
            var better = loss.gt(bestLoss);
            best.copy_(where(better.reshape(-1, 1, 1, 1), adversarial, best));
            bestLoss.copy_(where(better, loss, bestLoss));
            if (step == steps)
                break;
            adversarial = target.Inputs.Project(adversarial.Plus(gradient.sign().mul(Held(stepFraction * radius))), x, radius);
            scope.DisposeEverythingBut(adversarial, best, bestLoss);
        }
        return best.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// DeepFool on the pedestrian classification. Each image's decision "a pedestrian is found" is
/// f(x) = log sum exp over the candidates that find an annotated pedestrian (a center-scale head: the cells
/// around its center; a box-list head: the boxes matching it) of (logit - threshold logit): above 0
/// some such candidate still gives a box, below 0 none does. Each iteration linearises f and takes the
/// smallest L-inf step that reaches f = 0 (directions blocked by the input range left out), until no
/// image's f is positive; the total perturbation r is overshot, x + (1 + xi) r, as the SecMLOps paper
/// defines it. Images without a pedestrian are left as they are. The gate projects the result onto
/// the budget and judges that point.
/// </summary>
public sealed class DetectionDeepFool(double overshoot, int maxIterations) : DetectionAttack
{
    private const double Tiny = 1e-8;

    /// <summary>How far past the boundary each step aims, in logits, so that float32 rounding cannot leave a cell exactly on it.</summary>
    private const double Slack = 0.02;

    public override Tensor WithinBudget(DetectionTarget target, Tensor x, Tensor adversarial, double eps)
    {
        using var _ = no_grad();
        return target.Inputs.Project(adversarial, x, eps * target.Inputs.Range);
    }

    public override Tensor Run(DetectionTarget target, Tensor x, CandidateTargets targets) => From(target, x, x, targets);

    /// <summary>
    /// DeepFool started at <paramref name="start"/>; its result is judged against <paramref name="x"/>'s budget by
    /// the caller. Each iteration runs the detector only on the images whose pedestrians still show.
    /// </summary>
    public Tensor From(DetectionTarget target, Tensor start, Tensor x, CandidateTargets targets)
    {
        using var scope = NewDisposeScope();
        var total = zeros_like(start);
        var adversarial = start.clone();
        var active = targets.HasPedestrians;
        var shape = new long[] { -1, 1, 1, 1 };
        for (var iteration = 0; iteration < maxIterations; iteration++)
        {
            var index = active.nonzero().squeeze(1);
            if (index.numel() == 0)
                break;
            var point = adversarial.index_select(0, index);
            var (gradient, f) = Decision(target, point, targets.Select(index));
            var still = f.gt(Held(0));
            active.index_copy_(0, index, still);
            if (!still.any().item<bool>())
                break;
            using var _ = no_grad();
            // Lowering f follows -gradient; components that would leave the valid range are blocked.
            var blocked = point.le(Held(target.Inputs.Low)).logical_and(gradient.gt(Held(0)))
                .logical_or(point.ge(Held(target.Inputs.High)).logical_and(gradient.lt(Held(0))));
            gradient = gradient.masked_fill(blocked, Held(0));
            var dual = gradient.abs().flatten(1).sum([1]);
            var size = f.add(Held(Slack)) / dual.add(Held(Tiny));
            var step = gradient.sign().neg() * size.reshape(shape);
            var moved = total.index_select(0, index).Plus(where(still.reshape(shape), step, zeros_like(step)));
            total.index_copy_(0, index, moved);
            adversarial.index_copy_(0, index, target.Inputs.Clip(start.index_select(0, index).Plus(moved.mul(Held(1 + overshoot)))));
            scope.DisposeEverythingBut(total, adversarial, active);
        }
        return adversarial.MoveToOuterDisposeScope();
    }

    /// <summary>f per image and its input gradient; -inf for an image without a pedestrian.</summary>
    private static (Tensor Gradient, Tensor F) Decision(DetectionTarget target, Tensor x, CandidateTargets targets)
    {
        using var enabled = enable_grad();
        var input = x.detach().requires_grad_(true);
        var margin = target.ScoreLogits(input).sub(Held(target.ThresholdLogit));
        var masked = margin.masked_fill(targets.Regions.le(Held(0)), Held(double.NegativeInfinity));
        var f = masked.flatten(1).logsumexp(1);
        var finite = f.isfinite();
        var gradient = autograd.grad([where(finite, f, zeros_like(f)).sum()], [input])[0].detach();
        return (gradient, f.detach());
    }
}

/// <summary>FGSM, then DeepFool from the FGSM point; the sum of the two perturbations is projected onto the eps-ball.</summary>
public sealed class DetectionFgsmThenDeepFool(double eps, double overshoot, int maxIterations) : DetectionAttack
{
    private readonly DetectionDeepFool _deepFool = new(overshoot, maxIterations);

    public override Tensor Run(DetectionTarget target, Tensor x, CandidateTargets targets) =>
        _deepFool.From(target, new DetectionFgsm(eps).Run(target, x, targets), x, targets);

    public override Tensor WithinBudget(DetectionTarget target, Tensor x, Tensor adversarial, double eps) => _deepFool.WithinBudget(target, x, adversarial, eps);
}

/// <summary>
/// An attack on detectors as policies name it: what it does, its options with their defaults (written
/// once, here: the settings schema's defaults come from them), how it is made, and the traits the
/// gate goes by (never its name).
/// </summary>
public sealed record DetectionAttackDefinition(string Name, string Description, JObject Defaults, Func<JObject, double, double?, DetectionAttack> Create)
{
    /// <summary>The attack the sanity check runs at a very large strength.</summary>
    public bool RunsSanityChecks { get; init; }

    /// <summary>A minimal-perturbation attack, run once per overshoot (<c>xi</c>) it lists.</summary>
    public bool Overshoots => Defaults["xi"] is not null;

    /// <summary>The options an entry of this attack may give, besides its name.</summary>
    public IEnumerable<string> Options => Defaults.Properties().Select(p => p.Name);
}

/// <summary>
/// Every attack a detection-robustness gate runs, in one explicit list: the settings schema's attack
/// names, descriptions and defaults come from it, and nothing outside it matches on an attack's name.
/// The gate is given one (<see cref="BuiltIn"/> by default).
/// </summary>
public sealed class DetectionAttackCatalogue
{
    private DetectionAttackCatalogue(IReadOnlyList<DetectionAttackDefinition> all)
    {
        if (all.GroupBy(a => a.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"two detection attacks are named '{twice.Key}'", nameof(all));
        All = all;
        SanityCheckAttack = all.Single(a => a.RunsSanityChecks);
    }

    public IReadOnlyList<DetectionAttackDefinition> All { get; }

    public DetectionAttackDefinition SanityCheckAttack { get; }

    /// <summary>This catalogue and one attack more, whose name is new.</summary>
    public DetectionAttackCatalogue With(DetectionAttackDefinition attack) => new([.. All, attack]);

    public DetectionAttackDefinition? Find(string name) => All.FirstOrDefault(a => a.Name == name);

    public static DetectionAttackCatalogue BuiltIn { get; } = new(
    [
        new("fgsm", "one signed step of eps up the center loss",
            new JObject { ["eps"] = new JArray(0.03) },
            (_, eps, _) => new DetectionFgsm(eps)),
        new("pgd", "signed steps of stepSize x eps from a random start, projected onto the eps-ball, the highest-loss iterate kept",
            new JObject { ["eps"] = new JArray(0.03), ["steps"] = 10, ["stepSize"] = 0.25 },
            (o, eps, _) => new DetectionPgd(eps, (int)o["steps"]!, (double)o["stepSize"]!)) { RunsSanityChecks = true },
        new("deepfool", "the smallest L-inf step, linearised again until no annotated pedestrian's center scores above the threshold, overshot by xi (x + (1 + xi) r) and projected onto the eps-ball",
            new JObject { ["eps"] = new JArray(0.03), ["xi"] = new JArray(0.02), ["maxIterations"] = 50 },
            (o, _, xi) => new DetectionDeepFool(xi!.Value, (int)o["maxIterations"]!)),
        new("fgsm+deepfool", "DeepFool from the FGSM point, the sum projected onto the eps-ball",
            new JObject { ["eps"] = new JArray(0.03), ["xi"] = new JArray(0.02), ["maxIterations"] = 50 },
            (o, eps, xi) => new DetectionFgsmThenDeepFool(eps, xi!.Value, (int)o["maxIterations"]!)),
    ]);
}
