using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Robustness.Attacks;
using static System.FormattableString;

namespace SecMLOps.Gates.Robustness.Gate;

/// <summary>
/// Signs that the white-box numbers cannot be trusted (AutoAttack's checks, Carlini et al. 2019's
/// sanity tests, Athalye et al. 2018's obfuscated gradients), each a finding with its numbers. A
/// problem fails the rule unless the policy accepts that kind of finding (gradientMasking.accept).
/// </summary>
internal sealed class MaskingChecks(string ruleId, RobustnessSettings settings, IReadOnlyList<SourceLocation> at)
{
    public const string Operators = "non-differentiable-operators";
    public const string ZeroGradients = "zero-gradients";
    public const string Randomness = "randomness";
    public const string BlackBoxGap = "black-box-gap";
    public const string Sanity = "sanity";

    public List<Finding> Findings { get; } = [];

    public void GradientBlocking(IReadOnlyList<string> operators) => Add(Operators, "gradient-masking/operators", operators.Count > 0,
        operators.Count > 0
            ? $"the input reaches operators that give no useful gradient: {string.Join(", ", operators.Take(8))}{(operators.Count > 8 ? $" and {operators.Count - 8} more" : "")}; white-box attacks see a flat or misleading loss (attack it with a differentiable approximation, BPDA, or accept this finding)"
            : "no operator on the input path blocks gradients (rounding, signs, comparisons, integer casts, quantisation)",
        new Dictionary<string, object> { ["operators"] = operators.ToArray() });

    public void Randomised(bool randomised) => Add(Randomness, "gradient-masking/randomness", randomised,
        randomised
            ? Invariant($"five passes over the same inputs gave different outputs: the model is randomised; the white-box attacks average each gradient over {settings.Masking.EotSamples} passes (expectation over transformation), and a single pass decides each sample")
            : "five passes over the same inputs gave the same outputs: the model is deterministic",
        new Dictionary<string, object> { ["randomised"] = randomised, ["eotSamples"] = randomised ? settings.Masking.EotSamples : 1 });

    public void ProbabilityOutputs(bool probabilities)
    {
        if (probabilities)
            Findings.Add(new Finding(ruleId, Outcome.Informational, "gradient-masking/probability-outputs",
                "the model's outputs are probabilities (non-negative, each row summing to 1); the attacks used their logarithm, so that saturated outputs do not hide the gradient", at));
    }

    /// <summary>Zero gradients on any share is a warning; above the limit, a failure.</summary>
    public void Zero(double fraction, int zero, int counted, AttackLoss loss)
    {
        var properties = new Dictionary<string, object>
        {
            ["zeroGradientFraction"] = Math.Round(fraction, 6), ["zeroGradientSamples"] = zero, ["samples"] = counted,
            ["loss"] = loss.ToString(), ["maxZeroGradientFraction"] = settings.Masking.MaxZeroGradientFraction,
        };
        var text = Invariant($"{zero} of {counted} correctly classified samples ({fraction:P1}) have an all-zero input gradient under the {Describe(loss)} loss");
        if (fraction > settings.Masking.MaxZeroGradientFraction)
            Add(ZeroGradients, "gradient-masking/zero-gradients", true, Invariant($"{text} (at most {settings.Masking.MaxZeroGradientFraction:P1} allowed): gradient masking suspected, white-box results cannot be trusted"), properties);
        else if (zero > 0)
            Findings.Add(new Finding(ruleId, Outcome.Failed, "gradient-masking/zero-gradients", Invariant($"{text}: a warning, below the limit of {settings.Masking.MaxZeroGradientFraction:P1}"), at, properties)
            {
                Enforcement = Enforcement.Advisory,
            });
        else
            Findings.Add(new Finding(ruleId, Outcome.Passed, "gradient-masking/zero-gradients", text, at, properties));
    }

    /// <summary>
    /// Samples the black-box attack broke that every white-box attack at the same strength left robust;
    /// from the masking probe's sample, the count it stands for among all the survivors.
    /// </summary>
    public void BlackBox(StrengthResult strength, int total)
    {
        var blackBox = strength.Attacks.Where(a => !a.Attack.Definition.WhiteBox).ToList();
        var whiteBox = strength.Attacks.Where(a => a.Attack.Definition.WhiteBox).ToList();
        if (blackBox.Count == 0 || whiteBox.Count == 0)
            return;
        var only = Enumerable.Range(0, total).Count(i => blackBox.Any(b => b.Broken[i]) && !whiteBox.Any(w => w.Broken[i]));
        var probe = blackBox.SingleOrDefault(b => b.ProbedFrom is not null);
        var estimated = probe is { ProbedFrom: { } survivors } ? (double)only * survivors / probe.Attacked : only;
        var share = estimated / total;
        var properties = new Dictionary<string, object>
        {
            ["eps"] = strength.Eps, ["blackBoxOnlySamples"] = only, ["share"] = Math.Round(share, 6), ["maxBlackBoxGap"] = settings.Masking.MaxBlackBoxGap,
        };
        var broke = Invariant($"broke {only} samples ({share:P1} of {total})");
        if (probe is { ProbedFrom: { } population })
        {
            properties["probedSamples"] = probe.Attacked;
            properties["probedFrom"] = population;
            properties["estimatedBlackBoxOnlySamples"] = Math.Round(estimated, 1);
            broke = Invariant($"broke {only} of the {probe.Attacked} samples it probed (a stratified sample of the {population} left robust), an estimated {estimated:0.#} samples ({share:P1} of {total}),");
        }
        Add(BlackBoxGap, Invariant($"gradient-masking/black-box-gap/eps={strength.Eps}"), share > settings.Masking.MaxBlackBoxGap,
            Invariant($"at eps={strength.Eps} the black-box {string.Join(", ", blackBox.Select(b => b.Attack.Name))} {broke} that every white-box attack left robust (at most {settings.Masking.MaxBlackBoxGap:P1} allowed)") +
            (share > settings.Masking.MaxBlackBoxGap ? ": gradient masking suspected, white-box results cannot be trusted" : ""),
            properties);
    }

    /// <summary>Carlini et al.: an iterative attack is at least as strong as one step; FGSM breaking what they left robust means one of them is broken.</summary>
    public void SingleStep(StrengthResult strength, int total)
    {
        var single = strength.Attacks.Where(a => a.Attack.Definition.SingleStep).ToList();
        var iterative = strength.Attacks.Where(a => a.Attack.Definition.Iterative).ToList();
        if (single.Count == 0 || iterative.Count == 0)
            return;
        var only = Enumerable.Range(0, total).Count(i => single.Any(s => s.Broken[i]) && !iterative.Any(w => w.Broken[i]));
        var share = (double)only / total;
        Add(Sanity, Invariant($"sanity/iterative-vs-single-step/eps={strength.Eps}"), share > settings.Sanity.Tolerance,
            Invariant($"at eps={strength.Eps} FGSM broke {only} samples ({share:P1}) that {string.Join(", ", iterative.Select(a => a.Attack.Name))} left robust (at most {settings.Sanity.Tolerance:P1} allowed)") +
            (share > settings.Sanity.Tolerance ? ": an iterative attack weaker than a single step means the gradients or the attack cannot be trusted" : ""),
            new Dictionary<string, object> { ["eps"] = strength.Eps, ["singleStepOnlySamples"] = only, ["share"] = Math.Round(share, 6), ["tolerance"] = settings.Sanity.Tolerance });
    }

    /// <summary>On the sanity sample, PGD alone at every strength and at a very large one: accuracy must not rise with eps and must vanish at the large one.</summary>
    public void Strengths(IReadOnlyList<(double Eps, bool[] Broken)> runs, IReadOnlyList<int> sample)
    {
        var rising = 0;
        for (var k = 1; k < runs.Count; k++)
            rising += sample.Count(i => runs[k - 1].Broken[i] && !runs[k].Broken[i]);
        var share = sample.Count == 0 ? 0 : (double)rising / sample.Count;
        Add(Sanity, "sanity/monotone-in-eps", share > settings.Sanity.Tolerance,
            Invariant($"PGD alone on {sample.Count} correctly classified samples, at eps {string.Join(", ", runs.Select(r => r.Eps))}: {rising} times a sample broken at one strength survived the next ({share:P1}; at most {settings.Sanity.Tolerance:P1} allowed)") +
            (share > settings.Sanity.Tolerance ? ": robust accuracy rising with eps means the attack is not working" : ""),
            new Dictionary<string, object> { ["samples"] = sample.Count, ["rises"] = rising, ["tolerance"] = settings.Sanity.Tolerance });

        var (largeEps, large) = runs.First(r => r.Eps == settings.Sanity.LargeEps);
        var survived = sample.Count(i => !large[i]);
        var accuracy = sample.Count == 0 ? 0 : (double)survived / sample.Count;
        Add(Sanity, "sanity/large-eps", accuracy > settings.Sanity.MaxLargeEpsAccuracy,
            Invariant($"at eps={largeEps}, where any input can be changed beyond recognition, PGD left {survived} of {sample.Count} samples robust ({accuracy:P1}; at most {settings.Sanity.MaxLargeEpsAccuracy:P1} allowed)") +
            (accuracy > settings.Sanity.MaxLargeEpsAccuracy ? ": the attack cannot find adversarial examples where they must exist, so gradients are masked or the attack is broken" : ""),
            new Dictionary<string, object> { ["eps"] = largeEps, ["samples"] = sample.Count, ["robust"] = survived, ["maxLargeEpsAccuracy"] = settings.Sanity.MaxLargeEpsAccuracy });
    }

    /// <summary>A model no better than always answering the most frequent class keeps its accuracy under any attack: a ratio to it proves nothing.</summary>
    public void AboveChance(double clean, double majority) => Add(Sanity, "sanity/above-chance", clean <= majority,
        Invariant($"clean accuracy {clean:P1} against {majority:P1} for always answering the most frequent class") +
            (clean <= majority ? ": the model does no better than chance, so its robustness ratio means nothing" : ""),
        new Dictionary<string, object> { ["cleanAccuracy"] = Math.Round(clean, 6), ["majorityClassShare"] = Math.Round(majority, 6) });

    private void Add(string kind, string subject, bool problem, string message, IReadOnlyDictionary<string, object> properties)
    {
        var accepted = problem && settings.Masking.Accepted.Contains(kind);
        Findings.Add(new Finding(ruleId, problem && !accepted ? Outcome.Failed : Outcome.Passed, subject,
            accepted ? $"{message} (accepted by the policy: gradientMasking.accept lists {kind})" : message, at, properties));
    }

    private static string Describe(AttackLoss loss) => loss switch
    {
        AttackLoss.CrossEntropy => "cross-entropy",
        AttackLoss.Dlr => "DLR",
        _ => "margin",
    };
}
