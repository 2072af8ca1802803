using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;
using SecMLOps.Gates.Robustness.Attacks;
using SecMLOps.Gates.Robustness.Models;
using SecMLOps.Gates.Robustness.Tensors;
using static System.FormattableString;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Gate;

/// <summary>
/// Attacks the candidate model on the evaluation set and requires, at every strength, a worst-case
/// robust accuracy (a sample is robust only if no attack at that strength or below breaks it) of at
/// least minRatioOfBaseline x the baseline accuracy. Fails when the white-box numbers cannot be
/// trusted: operators that block gradients, zero gradients, randomness, a black-box attack beating
/// the white-box ones, or failed sanity checks; stops when its executor disagrees with ONNX Runtime.
/// </summary>
/// <param name="catalogue">The attacks its rules may name.</param>
/// <param name="models">The model formats it loads.</param>
public sealed class RobustnessGate(AttackCatalogue catalogue, ModelFormatCatalogue models) : Gate<RobustnessSettings>
{
    public const string Kind = "robustness";

    public RobustnessGate()
        : this(AttackCatalogue.BuiltIn, ModelFormatCatalogue.BuiltIn)
    {
    }


    public static readonly RuleDescriptor ModelExecutorsDisagree = EngineRules.Diagnostic("SMG0013", "model-executors-disagree",
        "The gate's differentiable executor and the model's reference runtime disagree on this model.",
        "Before attacking an ONNX model, the gate compares its own executor's logits with ONNX Runtime's on the clean inputs; beyond the tolerance its gradients would attack a different function, so the rule stops with this error.");

    public override GateDescriptor Descriptor { get; } = new(
        Kind,
        "The model keeps its accuracy under adversarial attack, in the worst case over every attack.",
        "FGSM, PGD (best iterate, restarts), APGD-CE, APGD-DLR, targeted APGD, DeepFool (its perturbation projected onto the budget and tested there) and Square Attack " +
        "run against the candidate model as an ensemble; at each strength a sample is robust only if it was classified right and no attack at that strength or below broke it. " +
        "That worst-case robust accuracy must be at least minRatioOfBaseline times the baseline accuracy (by default its 95 % lower bound when fewer than 1000 samples are evaluated). " +
        "Operators that block gradients, vanishing gradients, a randomised model, a black-box attack that beats the white-box ones, or failed sanity checks " +
        "(FGSM beating iterative attacks, accuracy rising with eps, accuracy at a very large eps) fail the rule unless the policy accepts them.",
        SettingsSchema(catalogue))
    {
        Cacheable = true,
        RunsModelCode = true,
        Shardable = true,
        Diagnostics = [ModelExecutorsDisagree],
        ModelFormats = models.All,
    };

    public override RobustnessSettings? Bind(SettingsBinder binder) => RobustnessSettings.Bind(binder, catalogue, models);

    /// <summary>The paper's attacks at eps 0.03 on labelled samples; without evaluation data, the same rule commented out with what it needs.</summary>
    public override ScaffoldSection? Scaffold(ScaffoldContext context)
    {
        string[] rule =
        [
            $"- id: {context.RuleIdPrefix}-ROB-1",
            $"  kind: {Kind}",
            "  enforcement: hard-mandatory",
            "  severity: critical",
            "  description: The model keeps at least 80 % of its clean accuracy under the worst of FGSM, PGD and DeepFool at eps 0.03.",
            "  settings:",
            "    dataset: evaluation",
            "    minRatioOfBaseline: 0.8",
            "    attacks:",
            "      - {name: fgsm, eps: [0.03]}",
            "      - {name: pgd, eps: [0.03], steps: 20}",
            "      - {name: deepfool, xi: [0.02], eps: [0.03]}",
        ];
        if (context.EvaluationFormat is null)
            return new(
            [
                "# Robustness needs labelled evaluation data (spec.datasets.evaluation); rerun init with --evaluation-data, or",
                "# declare the dataset and uncomment:",
                .. rule.Select(line => $"# {line}"),
            ], IsRule: true, AdversarialInputs(context, ruleRuns: false));
        return context.EvaluationFormat is { Open: not null } ? new(rule, IsRule: true, AdversarialInputs(context, ruleRuns: true)) : null;
    }

    /// <summary>Tampering with the inference service's inputs (adversarial examples), which the rule gates.</summary>
    internal static ScaffoldThreat AdversarialInputs(ScaffoldContext context, bool ruleRuns) =>
        new(SkeletonElement.InferenceService, 'T', "Adversarial robustness is gated in CI before the model ships.", $"{context.RuleIdPrefix}-ROB-1", ruleRuns);

    public override GateResult Evaluate(GateContext context, RobustnessSettings settings)
    {
        var spec = settings.Model;
        var device = SelectDevice(settings.Device, context.RuleLocation);
        context.Progress($"device {device.type}, model {Path.GetFileName(spec.Path)} ({spec.Format}); {ModelConfinement.Status}");
        // The model is loaded and attacked confined; the plot is written here, outside.
        var (whole, part) = ModelConfinement.Run(() => Attack(context, settings, device, context.Shard ?? Shard.Whole));
        return context.Shard is null ? Conclude(context, settings, whole, part) : new GateResult(whole) { Part = part.ToJson() };
    }

    /// <summary>The shards' parts as one part: the findings, report and plot one run over every atom gives.</summary>
    public override GateResult Merge(GateContext context, RobustnessSettings settings, IReadOnlyList<RuleRun> shards) =>
        Conclude(context, settings, shards[0].Findings, RobustnessPart.Combine(shards.Select(s => RobustnessPart.FromJson(s.Part!)).ToList(), context.RuleLocation));

    private static SourceLocation[] Locations(GateContext context, RobustnessSettings settings) =>
        [context.RuleLocation, new SourceLocation(context.Root.Relative(settings.Model.Path), 0, 0)];

    /// <summary>
    /// Measures the rule on a share of the evaluation set's atoms: the whole-set checks (clean pass,
    /// executors' agreement, randomness, operators, accuracies) as findings, and per sample what the
    /// gradient check, the attacks and the sanity attack found in the share.
    /// </summary>
    private (List<Finding> Whole, RobustnessPart Part) Attack(GateContext context, RobustnessSettings settings, Device device, Shard shard)
    {
        var spec = settings.Model;
        var at = Locations(context, settings);
        manual_seed(settings.Seed);
        // Every tensor the rule makes is held by a scope until it is no longer read (see ModelScorer).
        using var scope = NewDisposeScope();
        using var model = ModelUnderTest.Load(models, spec.Path, spec.Format, spec, device, spec.Location);
        var (reader, integrity) = context.OpenDataset(settings.Dataset);
        var set = EvaluationSet.Load(settings.Dataset, reader, spec, model.InputShape, settings.SampleCount, settings.Seed);
        var findings = new List<Finding>(integrity);
        var masking = new MaskingChecks(context.Rule.Id, settings, at);

        var clean = CleanPass.Run(model, set, settings.BatchSize, spec.Location);
        RequireLabelsWithinClasses(settings, set, clean.Classes);
        var randomised = CleanPass.IsRandomised(model, set, settings.BatchSize);
        findings.Add(Agreement(context, settings, clean, randomised, at));
        if (clean.Probabilities)
            model.AttackLogOfOutputs();
        masking.ProbabilityOutputs(clean.Probabilities);
        masking.Randomised(randomised);
        masking.GradientBlocking(model.GradientBlocking);
        RequireEnoughClasses(settings, clean.Classes, context.RuleLocation);

        var labels = set.Labels.data<long>().ToArray();
        var cleanCorrect = clean.Predictions.Select((p, i) => p == labels[i]).ToArray();
        var cleanAccuracy = (double)cleanCorrect.Count(c => c) / cleanCorrect.Length;
        masking.AboveChance(cleanAccuracy, labels.GroupBy(l => l).Max(g => g.Count()) / (double)labels.Length);
        var baseline = settings.BaselineModel ? BaselineAccuracy(context, settings, set, device) : cleanAccuracy;
        findings.AddRange(masking.Findings);

        var atoms = new SampleAtoms(labels, settings.BatchSize);
        var share = atoms.Of(shard);
        context.Progress(Invariant($"clean accuracy {cleanAccuracy:P2} on {set.Count} samples; baseline {baseline:P2}") +
            (shard == Shard.Whole ? "" : Invariant($"; shard {shard}: {share.Count} of {atoms.Count} batches of samples")));

        var (low, high) = spec.ValueRange ?? (0, 1);
        var generator = new Generator((ulong)settings.Seed, device);
        var session = new AttackSession(model, set, cleanCorrect, low, high, settings.BatchSize, generator,
            randomised ? settings.Masking.EotSamples : 1, context.Progress, atoms, share, settings.Seed);

        var zero = ZeroGradients(session, settings, clean.Classes);
        var strengths = EnsembleRunner.Run(session, settings.Attacks, settings.Ensemble, new MaskingProbe(labels, settings.Masking.MaxBlackBoxGap, settings.Seed));
        var (sample, sanity) = Sanity(session, settings);
        return (findings, new RobustnessPart(atoms.Count, [.. share.Order()], cleanCorrect, cleanAccuracy, baseline, zero,
            strengths.Select(s => RobustnessPart.Of(s.Eps, s.Attacks)).ToList(), sample, sanity));
    }

    /// <summary>The verdicts from a part holding every atom (one run's, or the shards' combined): the same findings, report and plot either way.</summary>
    private static GateResult Conclude(GateContext context, RobustnessSettings settings, IReadOnlyList<Finding> whole, RobustnessPart part)
    {
        var at = Locations(context, settings);
        var masking = new MaskingChecks(context.Rule.Id, settings, at);
        var samples = part.CleanCorrect.Length;
        var worst = part.ZeroGradients.Aggregate((Fraction: 0.0, Zero: 0, Counted: part.CleanCorrect.Count(c => c), Loss: settings.Loss), (w, z) =>
            z.Counted > 0 && (double)z.Zero / z.Counted > w.Fraction ? ((double)z.Zero / z.Counted, z.Zero, z.Counted, z.Loss) : w);
        masking.Zero(worst.Fraction, worst.Zero, worst.Counted, worst.Loss);

        var planned = settings.Attacks.ToDictionary(a => a.Subject);
        var strengths = StrengthResult.Tally(part.CleanCorrect, part.Strengths.Select(s => (s.Eps, (IReadOnlyList<AttackResult>)s.Attacks.Select(a =>
            new AttackResult(planned[a.Subject], part.Flags(a.Broken), a.Attacked, a.FlippedLinf, a.FlippedL2, a.Seconds, a.ProbeSurvivors)).ToList())));
        foreach (var strength in strengths)
        {
            masking.BlackBox(strength, samples);
            masking.SingleStep(strength, samples);
        }
        if (part.SanitySample.Length > 0)
            masking.Strengths(part.Sanity.Select(s => (s.Eps, part.Flags(s.Broken))).ToList(), part.SanitySample);

        var verdicts = new RobustnessVerdicts(context.Rule.Id, settings, part.CleanAccuracy, part.Baseline, samples, at);
        var findings = whole.Concat(strengths.Select(verdicts.WorstCase)).Concat(strengths.SelectMany(s => s.Attacks.Select(a => verdicts.Attack(a)))).Concat(masking.Findings).ToList();
        if (settings.Plot is { } plot)
            context.WriteOutput(plot, temporary => RobustnessPlot.Save(temporary, $"{context.Rule.Id}: {Path.GetFileName(settings.Model.Path)}", strengths, samples, settings, part.CleanAccuracy, part.Baseline));
        return new GateResult(findings, RobustnessReport.ToMarkdown(context.Rule.Id, settings, strengths, part.CleanAccuracy, part.Baseline, samples));
    }

    /// <summary>The settings schema, with the attack and suite names filled in from the catalogue.</summary>
    private static JObject SettingsSchema(AttackCatalogue catalogue)
    {
        var schema = GateDescriptor.EmbeddedSettingsSchema(typeof(RobustnessGate), Kind);
        schema["properties"]!["suite"]!["enum"] = new JArray(catalogue.Suites.Select(s => s.Name));
        schema["properties"]!["suite"]!["description"] = "A named ensemble of attacks, run at each strength of `eps`: " +
            string.Join("; ", catalogue.Suites.Select(s => $"{s.Name}: {s.Description}"));
        // Each attack's defaults, so that the policy diff compares an option set or removed with the value the attack ran with.
        schema["properties"]!["attacks"]![StrictnessAnnotation.ItemDefaultsKeyword] = new JObject(catalogue.All.Select(a =>
            new JProperty(a.Name, new JObject(a.Defaults.Properties().Prepend(new JProperty("eps", new JArray(AttackCatalogue.DefaultEps)))))));
        var attack = schema["properties"]!["attacks"]!["items"]!;
        var options = (JObject)attack["properties"]!;
        foreach (var (definition, option) in catalogue.All.SelectMany(a => a.OptionSchemas.Properties().Select(o => (a, o))))
        {
            if (options[option.Name] is not null)
                throw new ArgumentException($"attack {definition.Name} describes option '{option.Name}', which the robustness schema already has", nameof(catalogue));
            options.Add(option.Name, option.Value.DeepClone());
        }
        if (catalogue.All.SelectMany(a => a.Defaults.Properties().Where(o => options[o.Name] is null).Select(o => $"attack {a.Name}'s option '{o.Name}'")).FirstOrDefault() is { } undescribed)
            throw new ArgumentException($"{undescribed} has no schema (AttackDefinition.OptionSchemas)", nameof(catalogue));
        attack["properties"]!["name"]!["enum"] = new JArray(catalogue.All.Select(a => a.Name));
        attack["properties"]!["name"]!["description"] = "The attack: " + string.Join("; ", catalogue.All.Select(a => $"{a.Name}: {a.Description}"));
        attack["properties"]!["eps"]!["description"] = Invariant($"{attack["properties"]!["eps"]!["description"]} Default [{string.Join(", ", AttackCatalogue.DefaultEps)}].");
        foreach (var option in options.Properties().Where(p => p.Name is not ("name" or "eps")))
        {
            var defaults = catalogue.All.Where(a => a.Defaults[option.Name] is not null)
                .Select(a => $"{a.Name} {a.Defaults[option.Name]!.ToString(Newtonsoft.Json.Formatting.None)}");
            option.Value["description"] = $"{option.Value["description"]} Taken by (default): {string.Join(", ", defaults)}.";
        }
        return schema;
    }

    /// <summary>The device a rule's <c>device</c> setting asks for: cuda when libtorch sees one unless cpu is asked for; cuda asked for and absent is an error.</summary>
    internal static Device SelectDevice(string requested, SourceLocation at) => requested switch
    {
        "cpu" => CPU,
        "cuda" when cuda.is_available() => CUDA,
        "cuda" => throw new GateInputException(EngineRules.UnsupportedModelFeature, "device: cuda was requested but libtorch sees no CUDA device (build with -p:SecMLOpsTorchBackend=cuda on a GPU machine)", at),
        _ => cuda.is_available() ? CUDA : CPU,
    };

    /// <summary>Every row of the dataset, sampled or not, must be labelled with one of the model's classes.</summary>
    private static void RequireLabelsWithinClasses(RobustnessSettings settings, EvaluationSet set, int classes)
    {
        var (label, row) = set.LargestLabel;
        if (label >= classes)
            throw new GateInputException(EngineRules.InputMalformed,
                $"dataset {settings.Dataset.Name}: row {row} has label {label}, but the model scores {classes} classes (0 to {classes - 1})", settings.Dataset.Location);
    }

    private static void RequireEnoughClasses(RobustnessSettings settings, int classes, SourceLocation at)
    {
        foreach (var attack in settings.Attacks.Where(a => a.Create() is Apgd apgd && classes < apgd.MinimumClasses))
            throw new GateInputException(EngineRules.UnsupportedModelFeature,
                $"{attack.Subject} needs a model with at least {((Apgd)attack.Create()).MinimumClasses} classes; this one has {classes}", attack.Location);
    }

    /// <summary>ONNX models: the executor's gradients attack the function ONNX Runtime computes only when the two agree.</summary>
    private static Finding Agreement(GateContext context, RobustnessSettings settings, CleanPass clean, bool randomised, SourceLocation[] at)
    {
        if (clean.Disagreement is not { } worst)
            return new Finding(context.Rule.Id, Outcome.Passed, "executor-agreement", "the model runs in one runtime (TorchScript), which computes both the outputs and their gradients", at);
        if (randomised)
            return new Finding(context.Rule.Id, Outcome.Informational, "executor-agreement",
                Invariant($"the model is randomised, so the executor's and ONNX Runtime's outputs are compared by the randomness check, not one to one (largest difference {worst.Relative:0.###e+0})"), at);
        var text = Invariant($"the gate's ONNX executor and ONNX Runtime differ by at most {worst.Relative:0.###e+0} of the outputs' size (row {worst.Sample}, class {worst.Class}: {worst.Executor:G6} against {worst.Reference:G6})");
        if (worst.Relative > settings.ExecutorTolerance)
            throw new GateInputException(ModelExecutorsDisagree,
                Invariant($"{text}; more than the tolerance {settings.ExecutorTolerance}: its gradients would attack another function than the model's, so nothing is concluded"), settings.Model.Location);
        return new Finding(context.Rule.Id, Outcome.Passed, "executor-agreement", Invariant($"{text} (tolerance {settings.ExecutorTolerance})"), at,
            new Dictionary<string, object> { ["relativeDifference"] = worst.Relative, ["executorTolerance"] = settings.ExecutorTolerance });
    }

    private double BaselineAccuracy(GateContext context, RobustnessSettings settings, EvaluationSet set, Device device)
    {
        var baseline = settings.Model.Baseline!;
        context.RecordInput(baseline.Path);
        using var model = ModelUnderTest.Load(models, baseline.Path, baseline.Format, settings.Model, device, baseline.Location);
        return model.Predict(set.Inputs, settings.BatchSize).eq(set.Labels).to_type(ScalarType.Float32).mean().item<float>();
    }

    /// <summary>Per loss the white-box attacks use, the correctly classified samples of the share whose input gradient is all zero.</summary>
    private static List<ZeroGradientCount> ZeroGradients(AttackSession session, RobustnessSettings settings, int classes)
    {
        var losses = settings.Attacks.Where(a => a.Definition.WhiteBox)
            .Select(a => a.Options.Loss)
            .Append(settings.Loss).Where(l => l != AttackLoss.Dlr || classes >= 3).Distinct().ToList();
        var correct = Enumerable.Range(0, session.Count).Where(i => session.CleanCorrect[i] && session.InShare(i)).ToList();
        return losses.Select(loss =>
        {
            var zero = 0;
            foreach (var (_, x, y) in session.Batches(correct, $"gradient-check/{loss}", $"gradient check ({loss})", report: false))
                zero += (int)session.WhiteBox.InputGradient(x, y, loss).abs().flatten(1).amax([1]).eq(HeldScalars.Held(0)).sum().item<long>();
            return new ZeroGradientCount(loss, zero, correct.Count);
        }).ToList();
    }

    /// <summary>The sanity attack is stronger than its default, as a reference run on few samples can afford.</summary>
    private static readonly JObject SanityOptions = new() { ["steps"] = 20 };

    /// <summary>
    /// The sanity attack (PGD) alone on the first correctly classified samples, at every gated strength
    /// and at a very large one: the share's part of that sample and what it broke at each strength.
    /// </summary>
    private (int[] Sample, List<SanityPart> Runs) Sanity(AttackSession session, RobustnessSettings settings)
    {
        var sample = Enumerable.Range(0, session.Count).Where(i => session.CleanCorrect[i]).Take(settings.Sanity.Samples).Where(session.InShare).ToArray();
        var attack = catalogue.SanityCheckAttack;
        var runs = settings.Strengths.Append(settings.Sanity.LargeEps).Distinct().Order()
            .Select(eps => session.Run(new PlannedAttack(attack, attack.Options(SanityOptions, eps, null, settings.Loss),
                PlannedAttack.SubjectOf($"sanity-{attack.Name}", eps, null), PlannedAttack.GateOrigin, new SourceLocation("", 0, 0)), sample))
            .Select(run => new SanityPart(run.Attack.Eps, [.. Enumerable.Range(0, session.Count).Where(i => run.Broken[i])]))
            .ToList();
        return (sample, runs);
    }
}
