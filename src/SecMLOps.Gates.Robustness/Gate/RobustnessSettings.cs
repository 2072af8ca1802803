using System.Globalization;
using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;
using SecMLOps.Gates.Robustness.Attacks;

namespace SecMLOps.Gates.Robustness.Gate;

/// <summary>One attack at one strength, as the rule runs it.</summary>
/// <param name="Origin">Who asked for it: the policy's attack list, a suite by name, or the gate (a black-box attack at every strength).</param>
public sealed record PlannedAttack(AttackDefinition Definition, AttackOptions Options, string Subject, string Origin, SourceLocation Location)
{
    public double Eps => Options.Eps;

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

    public static RobustnessSettings? Bind(SettingsBinder binder)
    {
        var dataset = binder.Dataset("dataset");
        var model = binder.Model("attacks a model");
        var baselineModel = binder.Text("baseline") == "baseline-model";
        if (baselineModel && model is { Baseline: null })
            binder.Error(EngineRules.PolicyInconsistent, "baseline: baseline-model compares with spec.model.baseline, which the policy does not declare", binder["baseline"]);
        var loss = binder.Text("loss") == "cross-entropy" ? AttackLoss.CrossEntropy : AttackLoss.Margin;
        var attacks = PlanAttacks(binder, loss);
        var masking = binder.Child("gradientMasking");
        var sanity = binder.Child("sanity");
        var plot = binder.OutputFile("plot", "plot");
        if (dataset is null || model is null || attacks is null)
            return null;
        return new RobustnessSettings(
            dataset, model, binder.Number("minRatioOfBaseline"), baselineModel, attacks, binder.Boolean("ensemble"),
            binder.Text("decideOn") switch { "point" => DecisionRule.Point, "lower-bound" => DecisionRule.LowerBound, _ => DecisionRule.Auto },
            loss, binder.Text("device"), binder.Integer("batchSize"), binder.OptionalInteger("sampleCount"), binder.Integer("seed"),
            binder.Number("executorTolerance"),
            new MaskingSettings(masking.Number("maxZeroGradientFraction"), masking.Number("maxBlackBoxGap"), masking.Integer("eotSamples"), masking.Texts("accept").ToHashSet()),
            new SanitySettings(sanity.Integer("samples"), sanity.Number("tolerance"), sanity.Number("largeEps"), sanity.Number("maxLargeEpsAccuracy")),
            plot);
    }

    /// <summary>The suite's attacks at its strengths, the listed attacks at theirs, and a black-box attack wherever a strength has none.</summary>
    private static List<PlannedAttack>? PlanAttacks(SettingsBinder binder, AttackLoss loss)
    {
        var planned = new List<PlannedAttack>();
        if (!binder.Has("suite") && !binder.Has("attacks"))
            binder.Error(EngineRules.SchemaViolation, $"rule {binder.RuleId} runs no attack: name a suite (with eps) or list attacks", null);
        if (binder.Has("suite") != binder.Has("eps"))
            binder.Error(EngineRules.SchemaViolation, "suite and eps go together: the suite runs at the strengths eps lists", binder["suite"] ?? binder["eps"]);
        if (binder.OptionalText("suite") is { } suiteName && binder.Has("eps"))
        {
            var suite = AttackCatalogue.FindSuite(suiteName)!;
            foreach (var eps in binder.Numbers("eps"))
                foreach (var (name, options) in suite.Attacks)
                    planned.AddRange(Plan(AttackCatalogue.Find(name)!, options, [eps], loss, suite.Name, binder.At(binder["suite"]!)));
        }
        foreach (var entry in binder.Items("attacks"))
        {
            var name = entry.Text("name");
            if (AttackCatalogue.Find(name) is not { } definition)
            {
                entry.Error(EngineRules.SchemaViolation, $"'{name}' is not an attack (attacks: {string.Join(", ", AttackCatalogue.All.Select(a => a.Name))})", entry["name"]);
                continue;
            }
            var foreign = entry.Node.Properties().Select(p => p.Name).Except(definition.Keys).ToList();
            foreach (var key in foreign)
                entry.Error(EngineRules.SchemaViolation, $"'{key}' is not an option of {name} (it takes {string.Join(", ", definition.Keys.Skip(1))})", entry.Node.Property(key));
            var eps = entry.Has("eps") ? entry.Numbers("eps") : [0.03];
            planned.AddRange(Plan(definition, entry.Node, eps, loss, "policy", entry.Location));
        }
        if (binder.Child("gradientMasking").Boolean("blackBox"))
        {
            var square = AttackCatalogue.Find("square")!;
            foreach (var eps in planned.Select(p => p.Eps).Distinct().Where(e => !planned.Any(p => p.Eps == e && !p.Definition.WhiteBox)).ToList())
                planned.AddRange(Plan(square, [], [eps], loss, "gate", binder.Location));
        }
        var seen = new HashSet<string>();
        foreach (var attack in planned.Where(a => !seen.Add(a.Subject)))
            binder.Errors([Finding.Error(EngineRules.SchemaViolation.Id, binder.RuleId,
                $"rule {binder.RuleId} configures {attack.Subject} twice ({attack.Origin}); list each attack and strength once", attack.Location)]);
        return binder.HasErrors ? null : planned.OrderBy(a => a.Eps).ThenBy(a => a.Definition.Order).ToList();
    }

    private static IEnumerable<PlannedAttack> Plan(AttackDefinition definition, JObject given, IReadOnlyList<double> strengths, AttackLoss loss, string origin, SourceLocation location)
    {
        JToken Option(string key) => given[key] ?? definition.Defaults[key]!;
        int Integer(string key) => definition.Defaults[key] is null ? 0 : (int)Option(key);
        double Number(string key) => definition.Defaults[key] is null ? 0 : (double)Option(key);
        var overshoots = definition.Defaults["xi"] is null ? [(double?)null] : Option("xi").Values<double>().Select(x => (double?)x).ToList();
        foreach (var eps in strengths)
            foreach (var xi in overshoots)
            {
                var options = new AttackOptions(eps, xi ?? 0,
                    definition.Defaults["norm"] is null || (string)Option("norm")! == "linf" ? PerturbationNorm.Linf : PerturbationNorm.L2,
                    Integer("steps"), Number("stepSize"), definition.Defaults["randomStart"] is null || (bool)Option("randomStart"),
                    Integer("restarts"), Integer("maxIterations"), Integer("queries"), Number("pInit"), Integer("targets"), loss);
                yield return new PlannedAttack(definition, options, PlannedAttack.SubjectOf(definition.Name, eps, xi), origin, location);
            }
    }
}
