using Newtonsoft.Json.Linq;

namespace SecMLOps.Gates.Robustness.Attacks;

/// <summary>
/// One run's options: its strength, its overshoot (minimal-perturbation attacks) and the loss it
/// follows, and every option the attack takes, as the entry gives it or else the attack's default.
/// </summary>
public sealed record AttackOptions(double Eps, double Xi, AttackLoss Loss, JObject Values)
{
    public int Integer(string key) => (int)Value(key);

    public double Number(string key) => (double)Value(key);

    public bool Flag(string key) => (bool)Value(key);

    public string Text(string key) => (string)Value(key)!;

    private JToken Value(string key) => Values[key] ?? throw new ArgumentException($"the attack takes no option '{key}'", nameof(key));
}

/// <summary>
/// An attack as policies name it: what it takes (each option with its default), whether it needs
/// gradients, where it runs in the ensemble, how it is made from its options, and the traits the
/// gate's checks go by (never its name).
/// </summary>
/// <param name="Order">Position in the ensemble at one strength: iterative white-box attacks first,
/// then the single-step FGSM, then the black-box Square, so that a later, weaker attack that still
/// breaks samples exposes a sanity or masking problem.</param>
public sealed record AttackDefinition(string Name, string Description, bool WhiteBox, int Order, JObject Defaults, Func<AttackOptions, Attack> Create)
{
    /// <summary>The loss it always follows; null when it follows the rule's <c>loss</c> setting.</summary>
    public AttackLoss? OwnLoss { get; init; }

    /// <summary>One gradient step: the masking checks expect every iterative attack to be at least as strong.</summary>
    public bool SingleStep { get; init; }

    /// <summary>The attack the sanity checks run alone, at every gated strength and at a very large one.</summary>
    public bool RunsSanityChecks { get; init; }

    /// <summary>The black-box attack the gate adds, on a sample of the survivors, to detect gradient masking.</summary>
    public bool ProbesMasking { get; init; }

    /// <summary>A minimal-perturbation attack, run once per overshoot (<c>xi</c>) it lists and tested within eps.</summary>
    public bool TakesOvershoot => Defaults["xi"] is not null;

    /// <summary>Neither single-step nor minimal-perturbation: the white-box attacks a single step must not outdo.</summary>
    public bool Iterative => WhiteBox && !SingleStep && !TakesOvershoot;

    /// <summary>
    /// The settings schema of each option this attack brings that the robustness schema does not describe
    /// yet (its type, bounds, description and <c>x-stricter</c>); its default is in <see cref="Defaults"/>.
    /// </summary>
    public JObject OptionSchemas { get; init; } = [];

    /// <summary>The keys an entry of this attack may have.</summary>
    public IEnumerable<string> Keys => new[] { "name", "eps" }.Concat(Defaults.Properties().Select(p => p.Name));

    /// <summary>The overshoots an entry runs at: those it lists or the default; one null for an attack that takes none.</summary>
    public IReadOnlyList<double?> Overshoots(JObject given) =>
        TakesOvershoot ? (given["xi"] ?? Defaults["xi"]!).Values<double>().Select(x => (double?)x).ToList() : [null];

    /// <summary>The options of one run: what the entry gives, the defaults for the rest.</summary>
    public AttackOptions Options(JObject given, double eps, double? xi, AttackLoss loss) =>
        new(eps, xi ?? 0, OwnLoss ?? loss, new JObject(Defaults.Properties().Select(p => new JProperty(p.Name, given[p.Name] ?? p.Value))));
}

/// <summary>A named ensemble, run at each strength the rule lists.</summary>
public sealed record AttackSuite(string Name, string Description, IReadOnlyList<(string Attack, JObject Options)> Attacks);

/// <summary>
/// Every attack and suite a robustness gate runs, in one explicit list: the settings schema's attack
/// names come from it, and a name not listed is an error at its line, never a fallback. The gate is
/// given one (<see cref="BuiltIn"/> by default): a new attack is its class and one entry.
/// </summary>
public sealed class AttackCatalogue
{
    private AttackCatalogue(IReadOnlyList<AttackDefinition> all, IReadOnlyList<AttackSuite> suites)
    {
        if (all.GroupBy(a => a.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"two attacks are named '{twice.Key}'", nameof(all));
        if (all.SelectMany(a => a.OptionSchemas.Properties().Where(o => a.Defaults[o.Name] is null).Select(o => $"{a.Name}'s {o.Name}")).FirstOrDefault() is { } undefaulted)
            throw new ArgumentException($"{undefaulted} has a schema but no default", nameof(all));
        (All, Suites) = (all, suites);
        SanityCheckAttack = all.Single(a => a.RunsSanityChecks);
        MaskingProbeAttack = all.Single(a => a.ProbesMasking);
    }

    public IReadOnlyList<AttackDefinition> All { get; }

    public IReadOnlyList<AttackSuite> Suites { get; }

    public AttackDefinition SanityCheckAttack { get; }

    public AttackDefinition MaskingProbeAttack { get; }

    /// <summary>This catalogue and one attack more, whose name is new.</summary>
    public AttackCatalogue With(AttackDefinition attack) => new([.. All, attack], Suites);

    /// <summary>The strengths of an attack entry that lists none.</summary>
    public static IReadOnlyList<double> DefaultEps { get; } = [0.03];

    public AttackDefinition? Find(string name) => All.FirstOrDefault(a => a.Name == name);

    public AttackSuite? FindSuite(string name) => Suites.FirstOrDefault(s => s.Name == name);

    public static AttackCatalogue BuiltIn { get; } = new(
    [
        new("pgd", "projected gradient descent (L-inf) with random start, best iterate and restarts", true, 1,
            new JObject { ["steps"] = 10, ["stepSize"] = 0.25, ["randomStart"] = true, ["restarts"] = 1 },
            o => new Pgd(o.Eps, o.Integer("steps"), o.Number("stepSize"), o.Flag("randomStart"), o.Integer("restarts"), o.Loss)) { RunsSanityChecks = true },
        new("apgd-ce", "Auto-PGD with the cross-entropy loss (Croce and Hein 2020)", true, 2,
            new JObject { ["steps"] = 100, ["restarts"] = 1 },
            o => new Apgd("apgd-ce", o.Eps, o.Loss, o.Integer("steps"), o.Integer("restarts"))) { OwnLoss = AttackLoss.CrossEntropy },
        new("apgd-dlr", "Auto-PGD with the difference-of-logits-ratio loss (invariant to the logits' scale)", true, 3,
            new JObject { ["steps"] = 100, ["restarts"] = 1 },
            o => new Apgd("apgd-dlr", o.Eps, o.Loss, o.Integer("steps"), o.Integer("restarts"))) { OwnLoss = AttackLoss.Dlr },
        new("apgd-t", "targeted Auto-PGD with the targeted DLR loss, towards each of the next most likely classes in turn", true, 4,
            new JObject { ["steps"] = 100, ["restarts"] = 1, ["targets"] = 9 },
            o => new Apgd("apgd-t", o.Eps, o.Loss, o.Integer("steps"), o.Integer("restarts"), o.Integer("targets"))) { OwnLoss = AttackLoss.Dlr },
        new("deepfool", "DeepFool's minimal perturbation (overshoot xi), projected onto the eps-ball and tested there", true, 5,
            new JObject { ["xi"] = new JArray(0.02), ["norm"] = "linf", ["maxIterations"] = 50 },
            o => new DeepFool(o.Xi, o.Integer("maxIterations"), o.Text("norm") == "linf" ? PerturbationNorm.Linf : PerturbationNorm.L2)) { OwnLoss = AttackLoss.Margin },
        new("fgsm", "the fast gradient sign method: one step of eps", true, 6,
            new JObject(),
            o => new Fgsm(o.Eps, o.Loss)) { SingleStep = true },
        new("square", "Square Attack, score-based and gradient-free (black-box)", false, 7,
            new JObject { ["queries"] = 1000, ["pInit"] = 0.8 },
            o => new SquareAttack(o.Eps, o.Integer("queries"), o.Number("pInit"))) { OwnLoss = AttackLoss.Margin, ProbesMasking = true },
    ],
    [
        new("autoattack-standard", "AutoAttack's standard version: APGD-CE (100 iterations), APGD-T with the targeted DLR loss (9 target classes, 100 iterations each) and Square (5000 queries); its fourth attack, FAB-T, is left out",
        [
            ("apgd-ce", new JObject { ["steps"] = 100 }),
            ("apgd-t", new JObject { ["steps"] = 100, ["targets"] = 9 }),
            ("square", new JObject { ["queries"] = 5000, ["pInit"] = 0.8 }),
        ]),
    ]);
}
