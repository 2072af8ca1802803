using System.Diagnostics;
using System.Globalization;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;
using SecMLOps.Gates.Robustness.Attacks;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness;

/// <summary>
/// Runs the rule's attacks against the candidate model on the evaluation set and requires robust
/// accuracy of at least minRatioOfBaseline x the baseline accuracy for every attack and strength.
/// Fails when gradients look masked, because white-box numbers then cannot be trusted.
/// </summary>
public sealed class RobustnessGate : IGate
{
    public string Kind => "robustness";
    public string SettingsDefinition => "robustnessSettings";
    public string Title => "The model keeps its accuracy under adversarial attack.";
    public string Description =>
        "FGSM, PGD, DeepFool (a sample counts as broken when its overshot DeepFool perturbation flips the label within eps, L-inf) and Square Attack " +
        "run against the candidate model; for each attack and strength, robust top-1 accuracy must be at least minRatioOfBaseline times the baseline accuracy. " +
        "Vanishing input gradients, or a black-box attack that beats the white-box ones, mean gradient masking is suspected and fail the rule.";

    public IEnumerable<Finding> Evaluate(GateContext context)
    {
        var settings = RobustnessSettings.From(context.Rule.Settings);
        RequireDistinctAttacks(context, settings);
        var spec = context.Policy.Model
            ?? throw new GateInputException(EngineRules.SchemaViolation, $"rule {context.Rule.Id} needs spec.model", context.RuleLocation);
        RequireFile(context, spec.Path, spec.Location);
        if (!context.Policy.Datasets.TryGetValue(settings.Dataset, out var dataset))
            throw new GateInputException(EngineRules.SchemaViolation, $"rule {context.Rule.Id} names dataset '{settings.Dataset}', which spec.datasets does not declare", context.RuleLocation);
        RequireFile(context, dataset.Path, dataset.Location);
        if (dataset.LabelsPath is not null) RequireFile(context, dataset.LabelsPath, dataset.Location);
        CheckPinnedDigests(dataset);

        var device = SelectDevice(settings.Device, context.RuleLocation);
        context.Progress($"device {device.type}, model {Path.GetFileName(spec.Path)} ({spec.Format})");
        using var model = ModelUnderTest.Load(spec.Path, spec.Format, spec, device, spec.Location);
        var set = EvaluationSet.Load(dataset, spec, model.InputShape, settings.SampleCount, settings.Seed);
        var (low, high) = spec.ValueRange ?? (0, 1);
        var labels = set.Labels;
        var cleanCorrect = model.Predict(set.Inputs, settings.BatchSize).eq(labels);
        var clean = cleanCorrect.to_type(ScalarType.Float32).mean().item<float>();
        var baseline = settings.BaselineModel ? BaselineAccuracy(context, spec, set, settings, device) : clean;
        context.Progress($"clean accuracy {clean:P2} on {set.Count} samples; baseline {baseline:P2}");

        var runner = new AttackRunner(model, set, cleanCorrect, low, high, settings, context);
        var measured = new List<Measurement>();
        foreach (var attack in settings.Attacks)
            measured.AddRange(runner.Run(attack));

        if (settings.Plot is { } plot)
        {
            var plotPath = context.Root.Resolve(context.Policy.Directory, plot, context.Policy.Document.LocationOf(context.Rule.Settings["plot"]!));
            RobustnessPlot.Save(plotPath, $"{context.Rule.Id}: {Path.GetFileName(spec.Path)}", measured, baseline, settings.MinRatioOfBaseline);
        }
        var findings = measured.Select(m => Judge(context.Rule.Id, m, clean, baseline, settings, context.RuleLocation)).ToList();
        findings.AddRange(GradientMasking.Check(context.Rule.Id, runner.ZeroGradientFraction(), measured, settings, context.RuleLocation));
        return findings;
    }

    /// <summary>A finding is identified by its attack and strength, so a repeated one would hide a result.</summary>
    private static void RequireDistinctAttacks(GateContext context, RobustnessSettings settings)
    {
        var seen = new HashSet<string>();
        for (var i = 0; i < settings.Attacks.Count; i++)
            foreach (var subject in settings.Attacks[i].Subjects())
                if (!seen.Add(subject))
                    throw new GateInputException(EngineRules.SchemaViolation,
                        $"rule {context.Rule.Id} configures {subject} twice; list each attack and strength once",
                        context.Policy.Document.LocationOf(context.Rule.Settings["attacks"]![i]!));
    }

    private static void RequireFile(GateContext context, string path, SourceLocation at)
    {
        if (!File.Exists(path))
            throw new GateInputException(EngineRules.InputMissing, $"{context.Root.Relative(path)} does not exist", at);
        context.RecordInput(path);
    }

    private static void CheckPinnedDigests(DatasetSpec dataset)
    {
        foreach (var (file, pinned) in new[] { (dataset.Path, dataset.Sha256), (dataset.LabelsPath, dataset.LabelsSha256) })
        {
            if (file is null || pinned is null) continue;
            var actual = FileDigest.Sha256(file);
            if (actual != pinned)
                throw new GateInputException(EngineRules.InputMissing,
                    $"dataset {dataset.Name}: {Path.GetFileName(file)} does not match its pinned digest (expected sha256 {pinned}, actual {actual}); the gate will not evaluate on unverified data", dataset.Location);
        }
    }

    private static Device SelectDevice(string requested, SourceLocation at) => requested switch
    {
        "cpu" => CPU,
        "cuda" when cuda.is_available() => CUDA,
        "cuda" => throw new GateInputException(EngineRules.InputMissing, "device: cuda was requested but libtorch sees no CUDA device (build with -p:SecMLOpsTorchBackend=cuda on a GPU machine)", at),
        _ => cuda.is_available() ? CUDA : CPU,
    };

    private static double BaselineAccuracy(GateContext context, ModelSpec spec, EvaluationSet set, RobustnessSettings settings, Device device)
    {
        var baseline = spec.Baseline ?? throw new GateInputException(EngineRules.SchemaViolation, "baseline: baseline-model needs spec.model.baseline", context.RuleLocation);
        RequireFile(context, baseline.Path, baseline.Location);
        using var model = ModelUnderTest.Load(baseline.Path, baseline.Format, spec, device, baseline.Location);
        return model.Predict(set.Inputs, settings.BatchSize).eq(set.Labels).to_type(ScalarType.Float32).mean().item<float>();
    }

    private static Finding Judge(string ruleId, Measurement m, double clean, double baseline, RobustnessSettings settings, SourceLocation at)
    {
        var ratio = baseline > 0 ? m.RobustAccuracy / baseline : 0;
        var (lowBound, highBound) = ConfidenceInterval.Wilson95(m.RobustAccuracy, m.Samples);
        var properties = new Dictionary<string, object>
        {
            ["attack"] = m.Attack, ["eps"] = m.Eps, ["samples"] = m.Samples,
            ["cleanAccuracy"] = Round(clean), ["baselineAccuracy"] = Round(baseline), ["robustAccuracy"] = Round(m.RobustAccuracy),
            ["ratio"] = Round(ratio), ["minRatioOfBaseline"] = settings.MinRatioOfBaseline,
            ["robustAccuracyCi95Low"] = Round(lowBound), ["robustAccuracyCi95High"] = Round(highBound),
        };
        if (m.Xi is { } xi) properties["xi"] = xi;
        if (m.MedianPerturbation is { } median) properties["medianPerturbationLinf"] = Round(median);
        if (m.MedianPerturbationL2 is { } medianL2) properties["medianPerturbationL2"] = Round(medianL2);
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{m.Label}: robust accuracy {m.RobustAccuracy:P1} (95 % CI {lowBound:P1} to {highBound:P1}, {m.Samples} samples), clean {clean:P1}, baseline {baseline:P1}: ratio {ratio:0.###}");
        if (m.MedianPerturbation is { } med)
            text += string.Create(CultureInfo.InvariantCulture, $"; median minimal perturbation {med:0.####} L-inf, {m.MedianPerturbationL2:0.####} L2 (in units of the range)");
        return ratio >= settings.MinRatioOfBaseline
            ? Finding.Passed(ruleId, m.Subject, $"{text} >= {settings.MinRatioOfBaseline}", at, properties)
            : Finding.Failed(ruleId, m.Subject, $"{text} < {settings.MinRatioOfBaseline}", at, properties);
    }

    private static double Round(double value) => Math.Round(value, 6);
}
