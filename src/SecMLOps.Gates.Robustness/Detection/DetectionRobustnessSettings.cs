using System.Globalization;
using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;
using SecMLOps.Gates.Robustness.Gate;

namespace SecMLOps.Gates.Robustness.Detection;

/// <summary>One attack on the detector at one strength (and overshoot), as the rule runs it.</summary>
public sealed record PlannedDetectionAttack(DetectionAttackDefinition Definition, JObject Options, double Eps, double? Xi, SourceLocation Location)
{
    public string Subject => Xi is { } xi
        ? string.Create(CultureInfo.InvariantCulture, $"{Definition.Name}/xi={xi}/eps={Eps}")
        : string.Create(CultureInfo.InvariantCulture, $"{Definition.Name}/eps={Eps}");

    public DetectionAttack Create() => Definition.Create(Options, Eps, Xi);
}

public sealed record DetectionMaskingSettings(double MaxZeroGradientFraction, IReadOnlySet<string> Accepted);

public sealed record DetectionSanitySettings(int Images, double LargeEps, double MinLargeEpsMissRate);

/// <summary>A detection-robustness rule's settings, bound when the policy loads (schema: detection-robustness.settings.schema.json).</summary>
public sealed record DetectionRobustnessSettings(
    DatasetSpec Dataset,
    ModelSpec Model,
    DetectionHead Head,
    IReadOnlyList<MissRateSetting> Gated,
    double MinRatioOfBaseline,
    DecisionRule DecideOn,
    IReadOnlyList<PlannedDetectionAttack> Attacks,
    string Device,
    int BatchSize,
    int Seed,
    double ExecutorTolerance,
    DetectionMaskingSettings Masking,
    DetectionSanitySettings Sanity,
    string? Detections)
{
    /// <summary>The strengths the rule gates, smallest first.</summary>
    public IReadOnlyList<double> Strengths => Attacks.Select(a => a.Eps).Distinct().Order().ToList();

    public static DetectionRobustnessSettings? Bind(SettingsBinder binder, DetectionAttackCatalogue catalogue)
    {
        var dataset = binder.Dataset("dataset", labelledSamples: false);
        if (dataset is not null && dataset.Format != PedestrianBoxes.Format)
            binder.Error(EngineRules.PolicyInconsistent,
                $"dataset {dataset.Name} is {dataset.Format.Name}; a detection rule reads annotated images ({PedestrianBoxes.Format.Name})", binder["dataset"]);
        var model = binder.Model("attacks a detector");
        if (model is { InputLayout: not (null or "NCHW") })
            binder.Error(EngineRules.UnsupportedModelFeature, $"a detector takes images as [channels, height, width] (NCHW); spec.model.inputLayout is {model.InputLayout}", null);
        var head = BindHead(binder.Child("head"));
        var masking = binder.Child("gradientMasking");
        var sanity = binder.Child("sanity");
        var gated = binder.Texts("missRateSettings").Select(name => MissRateSetting.Standard.Single(s => s.Name == name)).ToList();
        if (gated.Count == 0)
            gated = [MissRateSetting.Standard[0]];
        var attacks = PlanAttacks(binder, catalogue);
        var detections = binder.OutputFile("detections", "detections");
        if (dataset is null || model is null || head is null || binder.HasErrors)
            return null;
        return new DetectionRobustnessSettings(
            dataset, model,
            head,
            gated, binder.Number("minRatioOfBaseline"), DecisionRules.Words.Parse(binder.Text("decideOn")), attacks,
            binder.Text("device"), binder.Integer("batchSize"), binder.Integer("seed"), binder.Number("executorTolerance"),
            new DetectionMaskingSettings(masking.Number("maxZeroGradientFraction"), masking.Texts("accept").ToHashSet()),
            new DetectionSanitySettings(sanity.Integer("images"), sanity.Number("largeEps"), sanity.Number("minLargeEpsMissRate")),
            detections);
    }

    /// <summary>Keys of the head setting that only one kind of head reads, and that kind.</summary>
    private static readonly (string Key, string Kind)[] KindKeys =
        [("stride", "center-scale"), ("aspectRatio", "center-scale"), ("center", "center-scale"), ("boxFormat", "boxes"), ("score", "boxes")];

    /// <summary>The head the policy describes; a key another kind of head reads is an error at it, never ignored.</summary>
    private static DetectionHead? BindHead(SettingsBinder head)
    {
        var kind = head.Text("kind");
        foreach (var (key, owner) in KindKeys.Where(k => k.Kind != kind && head.Has(k.Key)))
            head.Error(EngineRules.SchemaViolation, $"'{key}' describes a {owner} head; this head is {kind}", head.Node.Property(key));
        if (head.HasErrors)
            return null;
        return kind == "boxes"
            ? new BoxListHead(Enum.Parse<BoxFormat>(head.Text("boxFormat"), ignoreCase: true), head.Number("scoreThreshold"), head.Number("nmsThreshold"), head.Text("score") == "probabilities")
            : new CenterScaleHead(head.Integer("stride"), head.Number("aspectRatio"), head.Number("scoreThreshold"), head.Number("nmsThreshold"), head.Text("center") == "probabilities");
    }

    /// <summary>Each listed attack at each of its strengths and overshoots, options the policy leaves out taken from the schema's defaults.</summary>
    private static List<PlannedDetectionAttack> PlanAttacks(SettingsBinder binder, DetectionAttackCatalogue catalogue)
    {
        var planned = new List<PlannedDetectionAttack>();
        foreach (var entry in binder.Items("attacks"))
        {
            var name = entry.Text("name");
            var definition = catalogue.Find(name)!;
            foreach (var key in entry.Node.Properties().Select(p => p.Name).Where(k => k != "name" && !definition.Options.Contains(k)))
                entry.Error(EngineRules.SchemaViolation, $"'{key}' is not an option of {name} (it takes {string.Join(", ", definition.Options)})", entry.Node.Property(key));
            var options = (JObject)definition.Defaults.DeepClone();
            options.Merge(entry.Node, new JsonMergeSettings { MergeArrayHandling = MergeArrayHandling.Replace });
            var overshoots = definition.Overshoots ? options["xi"]!.Values<double>().Select(x => (double?)x).ToList() : [null];
            foreach (var eps in options["eps"]!.Values<double>())
                foreach (var xi in overshoots)
                    planned.Add(new PlannedDetectionAttack(definition, options, eps, xi, entry.Location));
        }
        var seen = new HashSet<string>();
        foreach (var attack in planned.Where(a => !seen.Add(a.Subject)))
            binder.Error(EngineRules.SchemaViolation, $"rule {binder.RuleId} configures {attack.Subject} twice; list each attack and strength once", null);
        return planned.OrderBy(a => a.Eps).ToList();
    }
}
