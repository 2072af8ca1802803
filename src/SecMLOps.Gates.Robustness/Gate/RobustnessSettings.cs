using System.Globalization;
using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;
using SecMLOps.Gates.Robustness.Attacks;
using SecMLOps.Gates.Robustness.Models;
using SecMLOps.Gates.Robustness.Onnx;

namespace SecMLOps.Gates.Robustness.Gate;

/// <summary>One attack at one strength, as the rule runs it.</summary>
/// <param name="Origin">Who asked for it: the policy's attack list, a suite by name, or the gate (a black-box attack at the largest strength).</param>
public sealed record PlannedAttack(AttackDefinition Definition, AttackOptions Options, string Subject, string Origin, SourceLocation Location)
{
    public const string GateOrigin = "gate";

    public double Eps => Options.Eps;

    /// <summary>The black-box attack the gate adds to detect masking: it runs on a sample (MaskingProbe), not on every survivor.</summary>
    public bool IsMaskingProbe => Origin == GateOrigin && !Definition.WhiteBox;

    public string Name => Definition.Name;

    public Attack Create() => Definition.Create(Options);

    public static string SubjectOf(string attack, double eps, double? xi) => xi is { } overshoot
        ? string.Create(CultureInfo.InvariantCulture, $"{attack}/xi={overshoot}/eps={eps}")
        : string.Create(CultureInfo.InvariantCulture, $"{attack}/eps={eps}");
}

public enum DecisionRule
{
    Point,
    Auto,
    LowerBound,
}

public static class DecisionRules
{
    public static readonly Vocabulary<DecisionRule> Words = new((DecisionRule.Point, "point"), (DecisionRule.Auto, "auto"), (DecisionRule.LowerBound, "lower-bound"));
}

public sealed record MaskingSettings(double MaxZeroGradientFraction, double MaxBlackBoxGap, int EotSamples, IReadOnlySet<string> Accepted);

public sealed record SanitySettings(int Samples, double Tolerance, double LargeEps, double MaxLargeEpsAccuracy);

/// <summary>A robustness rule's settings, bound when the policy loads (schema: robustness.settings.schema.json, attacks from the catalogue).</summary>
public sealed record RobustnessSettings(
    DatasetSpec Dataset,
    ModelSpec Model,
    double MinRatioOfBaseline,
    bool BaselineModel,
    IReadOnlyList<PlannedAttack> Attacks,
    bool Ensemble,
    DecisionRule DecideOn,
    AttackLoss Loss,
    string Device,
    int BatchSize,
    int? SampleCount,
    int Seed,
    double ExecutorTolerance,
    MaskingSettings Masking,
    SanitySettings Sanity,
    string? Plot)
{
    /// <summary>The strengths the rule gates, smallest first.</summary>
    public IReadOnlyList<double> Strengths => Attacks.Select(a => a.Eps).Distinct().Order().ToList();

    public static RobustnessSettings? Bind(SettingsBinder binder, AttackCatalogue catalogue, ModelFormatCatalogue models)
    {
        var dataset = binder.Dataset("dataset");
        var model = binder.Model("attacks a model");
        var baselineModel = binder.Text("baseline") == "baseline-model";
        if (baselineModel && model is { Baseline: null })
            binder.Error(EngineRules.PolicyInconsistent, "baseline: baseline-model compares with spec.model.baseline, which the policy does not declare", binder["baseline"]);
        var loss = binder.Text("loss") == "cross-entropy" ? AttackLoss.CrossEntropy : AttackLoss.Margin;
        var attacks = PlanAttacks(binder, loss, catalogue);
        var masking = binder.Child("gradientMasking");
        var sanity = binder.Child("sanity");
        var plot = binder.OutputFile("plot", "plot");
        if (model is not null)
            CheckDeclaredInput(binder, model, models);
        if (dataset is null || model is null || attacks is null)
            return null;
        return new RobustnessSettings(
            dataset, model, binder.Number("minRatioOfBaseline"), baselineModel, attacks, binder.Boolean("ensemble"),
            DecisionRules.Words.Parse(binder.Text("decideOn")),
            loss, binder.Text("device"), binder.Integer("batchSize"), binder.OptionalInteger("sampleCount"), binder.Integer("seed"),
            binder.Number("executorTolerance"),
            new MaskingSettings(masking.Number("maxZeroGradientFraction"), masking.Number("maxBlackBoxGap"), masking.Integer("eotSamples"), masking.Texts("accept").ToHashSet()),
            new SanitySettings(sanity.Integer("samples"), sanity.Number("tolerance"), sanity.Number("largeEps"), sanity.Number("maxLargeEpsAccuracy")),
            plot);
    }

    /// <summary>
    /// What validate can know without running the model: an ONNX model is read (and checked, as before
    /// any run) and its declared input compared with spec.model's inputShape, and the normalization's
    /// length with the channels of that shape, so a mismatch is an error at the policy's line rather
    /// than a runtime's exception in the middle of an evaluation.
    /// </summary>
    private static void CheckDeclaredInput(SettingsBinder binder, ModelSpec model, ModelFormatCatalogue models)
    {
        var declaredAt = binder.Document.Root["spec"]?["model"];
        long[] sample = [];
        // A path that was refused, does not exist or holds a Git LFS pointer is already an error of the policy.
        if (models.Find(model.Format)?.ReadInputShape is { } readInputShape && File.Exists(model.Path) && Inputs.GitLfsPointer.Problem(model.Path) is null)
        {
            var name = Path.GetFileName(model.Path);
            try
            {
                var declared = readInputShape(model.Path);
                sample = declared.Length > 1 ? declared[1..] : [];
            }
            catch (ModelContentRefusedException e)
            {
                binder.Error(EngineRules.ModelContentRefused, $"model {name} was not loaded: {e.Message}", declaredAt);
                return;
            }
            catch (NotSupportedException e)
            {
                binder.Error(EngineRules.UnsupportedModelFeature, $"model {name}: {e.Message}", declaredAt);
                return;
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                binder.Error(EngineRules.InputMalformed, $"model {name} cannot be used: {e.Message}", declaredAt);
                return;
            }
            catch (GateInputException e)
            {
                binder.Errors([e.ToFinding(binder.RuleId)]);
                return;
            }
            if (model.InputShape is { } stated && sample.Length > 0
                && (stated.Count != sample.Length || sample.Zip(stated).Any(d => d.First > 0 && d.First != d.Second)))
                binder.Error(EngineRules.PolicyInconsistent,
                    $"spec.model.inputShape is [{string.Join(", ", stated)}] but {name} declares one sample as [{string.Join(", ", sample.Select(d => d > 0 ? d.ToString(CultureInfo.InvariantCulture) : "?"))}]",
                    declaredAt?["inputShape"]);
        }
        var shape = model.InputShape?.Select(d => (long)d).ToArray() ?? sample;
        if (model.Normalization is { Mean.Count: > 1 } normalization && shape.Length > 0)
        {
            var channels = model.ChannelsLast ? shape[^1] : shape[0];
            if (channels > 0 && normalization.Mean.Count != channels)
                binder.Error(EngineRules.PolicyInconsistent,
                    $"spec.model.normalization gives {normalization.Mean.Count} values per channel but the input [{string.Join(", ", shape)}] has {channels} channels ({model.InputLayout ?? "NCHW"}); give one value or one per channel",
                    declaredAt?["normalization"]);
        }
    }

    /// <summary>The suite's attacks at its strengths, the listed attacks at theirs, and a black-box attack at the largest strength if it has none.</summary>
    private static List<PlannedAttack>? PlanAttacks(SettingsBinder binder, AttackLoss loss, AttackCatalogue catalogue)
    {
        var planned = new List<PlannedAttack>();
        if (!binder.Has("suite") && !binder.Has("attacks"))
            binder.Error(EngineRules.SchemaViolation, $"rule {binder.RuleId} runs no attack: name a suite (with eps) or list attacks", null);
        if (binder.Has("suite") != binder.Has("eps"))
            binder.Error(EngineRules.SchemaViolation, "suite and eps go together: the suite runs at the strengths eps lists", binder["suite"] ?? binder["eps"]);
        if (binder.OptionalText("suite") is { } suiteName && binder.Has("eps"))
        {
            var suite = catalogue.FindSuite(suiteName)!;
            foreach (var eps in binder.Numbers("eps"))
                foreach (var (name, options) in suite.Attacks)
                    planned.AddRange(Plan(catalogue.Find(name)!, options, [eps], loss, suite.Name, binder.At(binder["suite"]!)));
        }
        foreach (var entry in binder.Items("attacks"))
        {
            var name = entry.Text("name");
            if (catalogue.Find(name) is not { } definition)
            {
                entry.Error(EngineRules.SchemaViolation, $"'{name}' is not an attack (attacks: {string.Join(", ", catalogue.All.Select(a => a.Name))})", entry["name"]);
                continue;
            }
            var foreign = entry.Node.Properties().Select(p => p.Name).Except(definition.Keys).ToList();
            foreach (var key in foreign)
                entry.Error(EngineRules.SchemaViolation, $"'{key}' is not an option of {name} (it takes {string.Join(", ", definition.Keys.Skip(1))})", entry.Node.Property(key));
            var eps = entry.Has("eps") ? entry.Numbers("eps") : AttackCatalogue.DefaultEps;
            planned.AddRange(Plan(definition, entry.Node, eps, loss, "policy", entry.Location));
        }
        // One probe, at the largest strength: a sample broken inside a smaller ball is broken at every larger
        // strength (the tally carries it), so robust accuracy can only fall with eps and the largest strength
        // decides the verdict; its survivors are the samples the verdict rests on, and a black-box attack has
        // the most room there. A probe at each smaller strength cost as much again and could not turn a pass
        // at the largest strength into a fail of accuracy.
        if (binder.Child("gradientMasking").Boolean("blackBox") && planned.Count > 0)
        {
            var largest = planned.Max(p => p.Eps);
            if (!planned.Any(p => p.Eps == largest && !p.Definition.WhiteBox))
                planned.AddRange(Plan(catalogue.MaskingProbeAttack, [], [largest], loss, PlannedAttack.GateOrigin, binder.Location));
        }
        var seen = new HashSet<string>();
        foreach (var attack in planned.Where(a => !seen.Add(a.Subject)))
            binder.Errors([Finding.Error(EngineRules.SchemaViolation.Id, binder.RuleId,
                $"rule {binder.RuleId} configures {attack.Subject} twice ({attack.Origin}); list each attack and strength once", attack.Location)]);
        return binder.HasErrors ? null : planned.OrderBy(a => a.Eps).ThenBy(a => a.Definition.Order).ToList();
    }

    private static IEnumerable<PlannedAttack> Plan(AttackDefinition definition, JObject given, IReadOnlyList<double> strengths, AttackLoss loss, string origin, SourceLocation location) =>
        from eps in strengths
        from xi in definition.Overshoots(given)
        select new PlannedAttack(definition, definition.Options(given, eps, xi, loss), PlannedAttack.SubjectOf(definition.Name, eps, xi), origin, location);
}
