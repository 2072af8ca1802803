using System.Diagnostics;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;
using SecMLOps.Gates.Robustness.Gate;
using SecMLOps.Gates.Robustness.Models;
using SecMLOps.Gates.Robustness.Tensors;
using static System.FormattableString;
using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Detection;

/// <summary>What one attack at one strength did to the detector: its detections, their miss rates and, per setting, each image's matched detections (for the bootstrap).</summary>
public sealed record DetectionRun(string Name, double Eps, IReadOnlyDictionary<long, IReadOnlyList<DetectedBox>> Detections, IReadOnlyList<MissRateResult?> MissRates,
    IReadOnlyList<IReadOnlyList<ImageOutcome>> Images, double Seconds);

/// <summary>
/// Attacks a pedestrian detector on annotated images and requires, at every strength and on every gated
/// setting, (100 - the worst log-average miss rate under attack) of at least minRatioOfBaseline x
/// (100 - the clean one), in percent: the SecMLOps paper's "at least 80 % of baseline performance" for a
/// detector whose performance is its miss rate. Fails when the white-box numbers cannot be trusted
/// (operators that block gradients, zero gradients, randomness, a detector PGD cannot blind at a very
/// large strength); stops when its executor disagrees with ONNX Runtime.
/// </summary>
/// <param name="attacks">The attacks policies may name.</param>
/// <param name="models">The model formats it loads.</param>
public sealed class DetectionRobustnessGate(DetectionAttackCatalogue attacks, ModelFormatCatalogue models) : Gate<DetectionRobustnessSettings>
{
    public const string Kind = "detection-robustness";

    public DetectionRobustnessGate()
        : this(DetectionAttackCatalogue.BuiltIn, ModelFormatCatalogue.BuiltIn)
    {
    }

    /// <summary>The embedded settings schema with the catalogue's attack names, descriptions and defaults; each option names the attacks that take it.</summary>
    private static JObject SettingsSchema(DetectionAttackCatalogue attacks)
    {
        var schema = GateDescriptor.EmbeddedSettingsSchema(typeof(DetectionRobustnessGate), Kind);
        var list = schema["properties"]!["attacks"]!;
        list[StrictnessAnnotation.ItemDefaultsKeyword] = new JObject(attacks.All.Select(a => new JProperty(a.Name, a.Defaults.DeepClone())));
        var properties = (JObject)list["items"]!["properties"]!;
        properties["name"]!["enum"] = new JArray(attacks.All.Select(a => a.Name));
        properties["name"]!["description"] = string.Join("; ", attacks.All.Select(a => $"{a.Name}: {a.Description}")) + ".";
        foreach (var option in properties.Properties().Where(p => p.Name is not ("name" or "eps")))
            option.Value["description"] = $"{string.Join(", ", attacks.All.Where(a => a.Defaults[option.Name] is not null).Select(a => a.Name))}: {option.Value["description"]}";
        return schema;
    }

    public override GateDescriptor Descriptor { get; } = new(
        Kind,
        "A pedestrian detector keeps its log-average miss rate under adversarial attack, in the worst case over every attack.",
        "FGSM, PGD, DeepFool (overshoot xi, its perturbation projected onto the budget) and FGSM followed by DeepFool attack the detector's pedestrian-center classification " +
        "on annotated images; its outputs are decoded into boxes (center-scale head: threshold, aspect ratio, non-maximum suppression) and scored by the CityPersons protocol " +
        "(log-average miss rate over nine FPPI points from 0.01 to 1, on the reasonable, small, heavy and all settings). At each strength the worst attack at that strength or below " +
        "must keep (100 - laMR) at least minRatioOfBaseline times the clean (100 - laMR) on every gated setting; below 1,000 pedestrians in a setting the lower end of the margin's 95 % bootstrap interval over images decides (decideOn). " +
        "Operators that block gradients, vanishing gradients, a randomised model, or a detector that PGD cannot blind at a very large strength fail the rule unless the policy accepts them.",
        SettingsSchema(attacks))
    {
        Cacheable = true,
        RunsModelCode = true,
        Shardable = true,
        ModelFormats = models.All,
        DatasetFormats = [PedestrianBoxes.Format],
    };

    public override DetectionRobustnessSettings? Bind(SettingsBinder binder) => DetectionRobustnessSettings.Bind(binder, attacks);

    public override IEnumerable<System.CommandLine.Command> Commands(TextWriter output, TextWriter error) => [MissRateCommand.Create(output, error)];

    /// <summary>
    /// For annotated images: the paper's attacks at eps 0.03 on the reasonable setting, the head read from the
    /// model's declared output where it tells one ([batch, 4, h, w]: center-scale with the stride the input gives;
    /// [batch, candidates, 5]: boxes), else center-scale at stride 4 with a note.
    /// </summary>
    public override ScaffoldSection? Scaffold(ScaffoldContext context)
    {
        if (context.EvaluationFormat != PedestrianBoxes.Format)
            return null;
        var head = context.OutputShape() switch
        {
            [_, 4, > 0 and var rows, > 0] when context.InputShape is [_, var height, _] && height % rows == 0 => $"head: {{kind: center-scale, stride: {height / rows}}}",
            [_, _, 5] => "head: {kind: boxes, boxFormat: xyxy, score: probabilities}   # check boxFormat (xyxy, xywh, cxcywh) and score (probabilities, logits)",
            _ => $"head: {{kind: center-scale, stride: 4}}   # the output's shape is not declared: check the head against {Descriptor.HelpPath}",
        };
        return new(
        [
            $"- id: {context.RuleIdPrefix}-ROB-1",
            $"  kind: {Kind}",
            "  enforcement: hard-mandatory",
            "  severity: critical",
            "  description: The detector keeps (100 - laMR) under the worst of FGSM, DeepFool and FGSM+DeepFool at eps 0.03 at least 0.8 x its clean (100 - laMR).",
            "  settings:",
            "    dataset: evaluation",
            $"    {head}",
            "    missRateSettings: [reasonable]",
            "    minRatioOfBaseline: 0.8",
            "    attacks:",
            "      - {name: fgsm, eps: [0.03]}",
            "      - {name: deepfool, xi: [0.02], eps: [0.03]}",
            "      - {name: fgsm+deepfool, xi: [0.02], eps: [0.03]}",
        ], IsRule: true, RobustnessGate.AdversarialInputs(context, ruleRuns: true));
    }

    public override GateResult Evaluate(GateContext context, DetectionRobustnessSettings settings)
    {
        var device = RobustnessGate.SelectDevice(settings.Device, context.RuleLocation);
        context.Progress($"device {device.type}, detector {Path.GetFileName(settings.Model.Path)} ({settings.Model.Format}); {ModelConfinement.Status}");
        var (whole, part, truth) = ModelConfinement.Run(() => Attack(context, settings, device, context.Shard ?? Shard.Whole));
        return context.Shard is null ? Conclude(context, settings, whole, part, truth) : new GateResult(whole) { Part = part.ToJson() };
    }

    /// <summary>The shards' parts as one part: the findings, report and detections file one run over every image gives.</summary>
    public override GateResult Merge(GateContext context, DetectionRobustnessSettings settings, IReadOnlyList<RuleRun> shards)
    {
        var truth = PedestrianBoxes.ReadAnnotations(settings.Dataset.Path, context.Root.Relative(settings.Dataset.Path));
        var part = DetectionPart.Combine(shards.Select(s => DetectionPart.FromJson(s.Part!)).ToList(), context.RuleLocation);
        return Conclude(context, settings, shards[0].Findings, part, truth);
    }

    private static SourceLocation[] Locations(GateContext context, DetectionRobustnessSettings settings) =>
        [context.RuleLocation, new SourceLocation(context.Root.Relative(settings.Model.Path), 0, 0)];

    /// <summary>
    /// Measures the rule on a share of its batches of images (atoms): the whole-set checks (clean
    /// detections, executors' agreement, operators, randomness) as findings, and what the gradient
    /// check, the attacks and the sanity attack found on the share. Each batch is one atom, seeded by
    /// the rule's seed, the atom and the attack, so a shard finds what one run finds there.
    /// </summary>
    private (List<Finding> Whole, DetectionPart Part, PedestrianAnnotations Truth) Attack(GateContext context, DetectionRobustnessSettings settings, Device device, Shard shard)
    {
        var spec = settings.Model;
        var at = Locations(context, settings);
        manual_seed(settings.Seed);
        using var scope = NewDisposeScope();
        using var model = ModelUnderTest.Load(models, spec.Path, spec.Format, spec, device, spec.Location);
        var findings = new List<Finding>(context.VerifyDataset(settings.Dataset));
        var images = DetectionImages.Load(settings.Dataset, model.InputShape, spec.ValueRange ?? (0, 1), spec.Location, context.Root.Relative(settings.Dataset.Path), context.RecordInput);
        var masking = new DetectionMasking(context.Rule.Id, settings, at);
        var head = settings.Head;
        var (low, high) = spec.ValueRange ?? (0, 1);

        var watch = Stopwatch.StartNew();
        var (cleanDetections, disagreement) = CleanPass(model, images, settings, spec.Location);
        var clean = Scored("clean", 0, images.Truth, cleanDetections, watch.Elapsed.TotalSeconds);
        context.Progress(Invariant($"clean: {Describe(clean)} on {images.Count} images"));
        findings.Add(Agreement(context.Rule.Id, settings, disagreement, at));
        masking.GradientBlocking(model.GradientBlocking);
        masking.Randomised(IsRandomised(model, images, settings.BatchSize));
        foreach (var setting in settings.Gated.Where((s, i) => clean.MissRates[MissRateSetting.Standard.ToList().IndexOf(s)] is null))
            throw new GateInputException(EngineRules.InputMalformed,
                $"dataset {settings.Dataset.Name} has no pedestrian the {setting.Name} setting counts, so its miss rate is not a figure; gate another setting or annotate such pedestrians", settings.Dataset.Location);
        findings.AddRange(masking.Findings);

        var generator = new Generator((ulong)settings.Seed, device);
        var target = new DetectionTarget(x => head.ScoreLogits(model.Forward(x)), new InputRange(low, high), head.ThresholdLogit, generator);
        var atoms = (images.Count + settings.BatchSize - 1) / settings.BatchSize;
        var share = shard.Of(atoms).ToArray();
        if (shard != Shard.Whole)
            context.Progress(Invariant($"shard {shard}: {share.Length} of {atoms} batches of images"));
        var batches = Batches(model, share.Select(a => (a, images.Slice(a * settings.BatchSize, Math.Min(settings.BatchSize, images.Count - a * settings.BatchSize)))), head);
        var (zero, counted) = ZeroGradientImages(target, batches, generator, settings.Seed, device);

        var runs = new List<DetectionRunPart>();
        for (var index = 0; index < settings.Attacks.Count; index++)
        {
            var planned = settings.Attacks[index];
            runs.Add(Run(model, batches, target, generator, planned.Create(), planned.Eps, planned.Subject, settings, context, $"attack {index + 1} of {settings.Attacks.Count}"));
        }
        // The sanity images of each atom in the share, a batch each.
        var sanityRows = DetectionImages.WithPedestrians(images.Truth, settings.Sanity.Images);
        var sample = Batches(model, share.Select(a => (a, images.Subset([.. sanityRows.Where(r => r / settings.BatchSize == a)]))).Where(b => b.Item2.Count > 0), head);
        var sanityAttack = attacks.SanityCheckAttack;
        var sanity = Run(model, sample, target, generator, sanityAttack.Create(sanityAttack.Defaults, settings.Sanity.LargeEps, null),
            settings.Sanity.LargeEps, Invariant($"sanity-{sanityAttack.Name}/eps={settings.Sanity.LargeEps}"), settings, context, Invariant($"sanity check on {sanityRows.Count} images"));
        var part = new DetectionPart(atoms, share, cleanDetections.ToDictionary(d => d.Key, d => d.Value.ToList()), clean.Seconds, zero, counted, runs, sanity);
        return (findings, part, images.Truth);
    }

    /// <summary>The verdicts from a part holding every atom (one run's, or the shards' combined): the same findings, report and detections file either way.</summary>
    private static GateResult Conclude(GateContext context, DetectionRobustnessSettings settings, IReadOnlyList<Finding> whole, DetectionPart part, PedestrianAnnotations truth)
    {
        var at = Locations(context, settings);
        var masking = new DetectionMasking(context.Rule.Id, settings, at);
        masking.Zero((part.ZeroGradientImages, part.CountedImages));
        var clean = Scored("clean", 0, truth, InImageOrder(truth, part.Clean), part.CleanSeconds);
        var runs = part.Runs.Select(r => Scored(r.Name, r.Eps, truth, InImageOrder(truth, r.Detections), r.Seconds)).ToList();
        var sampleTruth = truth.Subset([.. DetectionImages.WithPedestrians(truth, settings.Sanity.Images).Select(i => truth.ImageIds[i])]);
        var sanity = Scored(part.Sanity.Name, part.Sanity.Eps, sampleTruth, InImageOrder(sampleTruth, part.Sanity.Detections), part.Sanity.Seconds);
        masking.Sanity(clean, sanity, settings.Gated[0]);

        var findings = whole.ToList();
        findings.Add(new Finding(context.Rule.Id, Outcome.Informational, "clean", $"clean: {Describe(clean)} ({truth.ImageIds.Count} images)", at, MissRateProperties(clean)));
        foreach (var eps in settings.Strengths)
            findings.AddRange(WorstCase(context.Rule.Id, settings, clean, runs.Where(r => r.Eps <= eps).ToList(), eps, at));
        findings.AddRange(runs.Select(r => new Finding(context.Rule.Id, Outcome.Informational, $"attack/{r.Name}",
            Invariant($"{r.Name}: {Describe(r)} in {r.Seconds:0.0} s"), at, MissRateProperties(r))));
        findings.AddRange(masking.Findings);
        if (settings.Detections is { } output)
            context.WriteOutput(output, temporary => File.WriteAllText(temporary, DetectionsJson(clean, runs)));
        return new GateResult(findings, Report(context.Rule.Id, settings, clean, runs));
    }

    /// <summary>Detections keyed in the annotations' image order, whichever shard found them.</summary>
    private static Dictionary<long, IReadOnlyList<DetectedBox>> InImageOrder(PedestrianAnnotations truth, Dictionary<long, List<DetectedBox>> detections) =>
        truth.ImageIds.Where(detections.ContainsKey).ToDictionary(id => id, id => (IReadOnlyList<DetectedBox>)detections[id]);

    /// <summary>Each atom's images with their targets, made once for every attack from their annotations and the detector's clean output.</summary>
    private static List<(int Atom, DetectionImages Images, CandidateTargets Targets)> Batches(ModelUnderTest model, IEnumerable<(int Atom, DetectionImages Images)> atoms, DetectionHead head)
    {
        var batches = new List<(int, DetectionImages, CandidateTargets)>();
        foreach (var (atom, images) in atoms)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var output = model.Forward(images.Inputs.to(model.Device));
            var targets = head.Targets(images.ImageIds.Select(images.Truth.Of).ToList(), output, model.Device).Detached();
            batches.Add((atom, images, targets));
        }
        return batches;
    }

    /// <summary>The reference runtime's detections on the clean images, the output's shape checked, and the executors' largest disagreement (ONNX models).</summary>
    private static (Dictionary<long, IReadOnlyList<DetectedBox>> Detections, (double Relative, long Image)? Disagreement) CleanPass(
        ModelUnderTest model, DetectionImages images, DetectionRobustnessSettings settings, SourceLocation at)
    {
        var detections = new Dictionary<long, IReadOnlyList<DetectedBox>>();
        (double Relative, long Image)? worst = null;
        for (var start = 0; start < images.Count; start += settings.BatchSize)
        {
            using var scope = NewDisposeScope();
            var batch = images.Inputs.narrow(0, start, Math.Min(settings.BatchSize, images.Count - start));
            var reference = model.ReferenceOutputs(batch);
            if (settings.Head.ShapeProblem(reference.shape, batch.shape[0], batch.shape[2], batch.shape[3]) is { } problem)
                throw new GateInputException(EngineRules.UnsupportedModelFeature, problem, at);
            if (!reference.isfinite().all().item<bool>())
                throw new GateInputException(EngineRules.InputMalformed, $"the detector's outputs on the clean images from image {images.ImageIds[start]} on are not all finite", at);
            if (settings.Head.ScoreProblem(reference) is { } scores)
                throw new GateInputException(EngineRules.UnsupportedModelFeature, $"{scores} (clean images from image {images.ImageIds[start]} on)", at);
            Decode(settings.Head, reference, images, start, detections);
            if (!model.HasSeparateReference)
                continue;
            var difference = (model.DifferentiableOutputs(batch) - reference).abs();
            var perImage = difference.flatten(1).amax([1]) / reference.abs().flatten(1).amax([1]).clamp_min(Held(1));
            var image = (int)perImage.argmax().item<long>();
            var relative = perImage[image].item<float>();
            if (worst is null || relative > worst.Value.Relative)
                worst = (relative, images.ImageIds[start + image]);
        }
        return (detections, worst);
    }

    private static void Decode(DetectionHead head, Tensor outputs, DetectionImages images, int start, Dictionary<long, IReadOnlyList<DetectedBox>> into)
    {
        for (var i = 0; i < outputs.shape[0]; i++)
            into[images.ImageIds[start + i]] = head.Decode(outputs[i]).Select(Rounded).ToList();
    }

    /// <summary>Boxes and scores are rounded as the detections file writes them, so that the file recomputes to the very figures reported.</summary>
    private static DetectedBox Rounded(DetectedBox box) =>
        new(Math.Round(box.X, 3), Math.Round(box.Y, 3), Math.Round(box.Width, 3), Math.Round(box.Height, 3), Math.Round(box.Score, 6));

    private static bool IsRandomised(ModelUnderTest model, DetectionImages images, int batchSize)
    {
        using var scope = NewDisposeScope();
        var batch = images.Inputs.narrow(0, 0, Math.Min(batchSize, images.Count));
        var first = model.ReferenceOutputs(batch);
        var differentiable = model.HasSeparateReference ? model.DifferentiableOutputs(batch) : null;
        return Enumerable.Range(0, 2).Any(_ => !model.ReferenceOutputs(batch).eq(first).all().item<bool>()
            || (differentiable is not null && !model.DifferentiableOutputs(batch).eq(differentiable).all().item<bool>()));
    }

    /// <summary>Of the share's images with a pedestrian, those whose center-loss gradient is all zero, and how many there are.</summary>
    private static (int Zero, int Counted) ZeroGradientImages(DetectionTarget target, IReadOnlyList<(int Atom, DetectionImages Images, CandidateTargets Targets)> batches,
        Generator generator, int seed, Device device)
    {
        var (zero, counted) = (0, 0);
        foreach (var (atom, images, targets) in batches)
        {
            using var scope = NewDisposeScope();
            SampleAtoms.Seed(generator, seed, atom, "gradient-check");
            var (gradient, _) = target.LossGradient(images.Inputs.to(device), targets);
            var withPedestrians = targets.HasPedestrians;
            counted += (int)withPedestrians.sum().item<long>();
            zero += (int)gradient.abs().flatten(1).amax([1]).eq(Held(0)).logical_and(withPedestrians).sum().item<long>();
        }
        return (zero, counted);
    }

    private static DetectionRunPart Run(ModelUnderTest model, IReadOnlyList<(int Atom, DetectionImages Images, CandidateTargets Targets)> batches, DetectionTarget target, Generator generator,
        DetectionAttack attack, double eps, string name, DetectionRobustnessSettings settings, GateContext context, string position)
    {
        var watch = Stopwatch.StartNew();
        var detections = new Dictionary<long, IReadOnlyList<DetectedBox>>();
        var (done, total) = (0, batches.Sum(b => b.Images.Count));
        for (var b = 0; b < batches.Count; b++)
        {
            using var scope = NewDisposeScope();
            var (atom, images, targets) = batches[b];
            SampleAtoms.Seed(generator, settings.Seed, atom, name);
            var x = images.Inputs.to(model.Device);
            var adversarial = attack.WithinBudget(target, x, attack.Run(target, x, targets), eps);
            if (!adversarial.isfinite().all().item<bool>())
                throw new InvalidOperationException($"the attack {name} produced non-finite inputs; its results cannot be trusted");
            Decode(settings.Head, model.ReferenceOutputs(adversarial), images, 0, detections);
            done += images.Count;
            var rate = done / Math.Max(watch.Elapsed.TotalSeconds, 1e-9);
            context.Progress(Invariant($"{position}, {name}: batch {b + 1}/{batches.Count}, {rate:0.0} images/s, ETA {(total - done) / rate:0} s"));
        }
        context.Progress(Invariant($"{position}, {name}: {done} images in {watch.Elapsed.TotalSeconds:0.0} s"));
        return new DetectionRunPart(name, eps, detections.ToDictionary(d => d.Key, d => d.Value.ToList()), watch.Elapsed.TotalSeconds);
    }

    private static DetectionRun Scored(string name, double eps, PedestrianAnnotations truth, Dictionary<long, IReadOnlyList<DetectedBox>> detections, double seconds) =>
        Scored(name, eps, MissRateSetting.Standard.Select(s => MissRate.PerImage(truth, detections, s)).ToList(), detections, seconds);

    private static DetectionRun Scored(string name, double eps, IReadOnlyList<IReadOnlyList<ImageOutcome>> images, Dictionary<long, IReadOnlyList<DetectedBox>> detections, double seconds) =>
        new(name, eps, detections, images.Select((outcomes, i) => MissRate.FromImages(outcomes, MissRateSetting.Standard[i])).ToList(), images, seconds);

    private static string Describe(DetectionRun run) =>
        "laMR " + string.Join(", ", run.MissRates.Select((r, i) => $"{MissRateSetting.Standard[i].Name} {Percent(r)}"));

    private static string Percent(MissRateResult? result) => result is null ? "n/a" : Invariant($"{100 * result.LogAverage:0.00} %");

    private static Dictionary<string, object> MissRateProperties(DetectionRun run)
    {
        var properties = new Dictionary<string, object> { ["seconds"] = Math.Round(run.Seconds, 1) };
        for (var i = 0; i < MissRateSetting.Standard.Count; i++)
            if (run.MissRates[i] is { } result)
                properties[$"laMR.{result.Setting.Name}"] = Math.Round(100 * result.LogAverage, 4);
        return properties;
    }

    /// <summary>
    /// At one strength, on each gated setting, the worst attack at that strength or below against the clean
    /// figure. The margin (100 - attacked) - ratio x (100 - clean) must reach 0: its point estimate, or the
    /// lower end of its 95 % bootstrap interval over images, which decides by default when the setting counts
    /// fewer than 1,000 pedestrians (a few images can pass a detector by chance).
    /// </summary>
    private static IEnumerable<Finding> WorstCase(string ruleId, DetectionRobustnessSettings settings, DetectionRun clean, IReadOnlyList<DetectionRun> runs, double eps, SourceLocation[] at)
    {
        foreach (var setting in settings.Gated)
        {
            var index = MissRateSetting.Standard.ToList().IndexOf(setting);
            var cleanResult = clean.MissRates[index]!;
            var cleanRate = 100 * cleanResult.LogAverage;
            var worst = runs.MaxBy(r => r.MissRates[index]!.LogAverage)!;
            var attacked = 100 * worst.MissRates[index]!.LogAverage;
            var required = settings.MinRatioOfBaseline * (100 - cleanRate);
            var margin = 100 - attacked - required;
            var (low, high) = MissRateBootstrap.MarginInterval(clean.Images[index], runs.Select(r => r.Images[index]).ToList(), setting, settings.MinRatioOfBaseline, settings.Seed);
            var onLowerBound = settings.DecideOn == DecisionRule.LowerBound || (settings.DecideOn == DecisionRule.Auto && cleanResult.Pedestrians < LowerBoundBelowPedestrians);
            var decisive = onLowerBound ? low : margin;
            var properties = new Dictionary<string, object>
            {
                ["eps"] = eps, ["setting"] = setting.Name, ["cleanLaMR"] = Math.Round(cleanRate, 4), ["attackedLaMR"] = Math.Round(attacked, 4),
                ["worstAttack"] = worst.Name, ["minRatioOfBaseline"] = settings.MinRatioOfBaseline, ["margin"] = Math.Round(margin, 4),
                ["marginCi95Low"] = Math.Round(low, 4), ["marginCi95High"] = Math.Round(high, 4), ["pedestrians"] = cleanResult.Pedestrians, ["images"] = cleanResult.Images,
                ["decidedOn"] = onLowerBound ? "lower-bound" : "point",
            };
            yield return new Finding(ruleId, decisive >= 0 ? Outcome.Passed : Outcome.Failed,
                Invariant($"worst-case/{setting.Name}/eps={eps}"),
                Invariant($"{setting.Name}, eps {eps}: under {worst.Name} the log-average miss rate is {attacked:0.00} % against {cleanRate:0.00} % clean; ") +
                Invariant($"100 - {attacked:0.00} = {100 - attacked:0.00} (at least {settings.MinRatioOfBaseline} x (100 - {cleanRate:0.00}) = {required:0.00} required): margin {margin:0.00} points, ") +
                Invariant($"95 % bootstrap interval {low:0.00} to {high:0.00} over {cleanResult.Images} images with {cleanResult.Pedestrians} pedestrians; decided on the {(onLowerBound ? "lower bound" : "point estimate")} {decisive:0.00}"),
                at, properties);
        }
    }

    /// <summary>Below this many pedestrians in a gated setting, decideOn: auto takes the bootstrap's lower bound.</summary>
    private const int LowerBoundBelowPedestrians = 1000;

    private static Finding Agreement(string ruleId, DetectionRobustnessSettings settings, (double Relative, long Image)? disagreement, SourceLocation[] at)
    {
        if (disagreement is not { } worst)
            return new Finding(ruleId, Outcome.Passed, "executor-agreement", "the detector runs in one runtime (TorchScript), which computes both the outputs and their gradients", at);
        var text = Invariant($"the gate's ONNX executor and ONNX Runtime differ by at most {worst.Relative:0.###e+0} of the outputs' size (image {worst.Image})");
        if (worst.Relative > settings.ExecutorTolerance)
            throw new GateInputException(RobustnessGate.ModelExecutorsDisagree,
                Invariant($"{text}; more than the tolerance {settings.ExecutorTolerance}: its gradients would attack another function than the model's, so nothing is concluded"), settings.Model.Location);
        return new Finding(ruleId, Outcome.Passed, "executor-agreement", Invariant($"{text} (tolerance {settings.ExecutorTolerance})"), at,
            new Dictionary<string, object> { ["relativeDifference"] = worst.Relative, ["executorTolerance"] = settings.ExecutorTolerance });
    }

    /// <summary>Every run's detections in COCO results form, keyed by run, in the annotations' image order.</summary>
    private static string DetectionsJson(DetectionRun clean, IReadOnlyList<DetectionRun> runs)
    {
        var root = new JObject();
        foreach (var run in runs.Prepend(clean))
            root[run.Name] = new JArray(run.Detections.SelectMany(image => image.Value.Select(box => new JObject
            {
                ["image_id"] = image.Key, ["category_id"] = 1,
                ["bbox"] = new JArray(box.X, box.Y, box.Width, box.Height), ["score"] = box.Score,
            })));
        return root.ToString(Formatting.None);
    }

    private static string Report(string ruleId, DetectionRobustnessSettings settings, DetectionRun clean, IReadOnlyList<DetectionRun> runs)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine($"### Detection robustness: {ruleId}");
        text.AppendLine();
        text.AppendLine(Invariant($"Log-average miss rate (%, lower is better) on each CityPersons setting; a strength passes when, on {string.Join(" and ", settings.Gated.Select(s => s.Name))}, ") +
            Invariant($"100 - laMR under its worst attack is at least {settings.MinRatioOfBaseline} x (100 - clean laMR)."));
        text.AppendLine();
        text.AppendLine("| run | " + string.Join(" | ", MissRateSetting.Standard.Select(s => s.Name)) + " | seconds |");
        text.AppendLine("| --- |" + string.Concat(Enumerable.Repeat(" --- |", MissRateSetting.Standard.Count)) + " --- |");
        foreach (var run in runs.Prepend(clean))
            text.AppendLine(Invariant($"| {run.Name} | {string.Join(" | ", run.MissRates.Select(r => r is null ? "n/a" : Invariant($"{100 * r.LogAverage:0.00}")))} | {run.Seconds:0.0} |"));
        return text.ToString();
    }
}
