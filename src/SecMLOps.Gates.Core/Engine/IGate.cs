using System.CommandLine;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Engine;

/// <summary>
/// One gate per rule kind. A gate describes itself (<see cref="Descriptor"/>), binds its rule's
/// settings to a typed object when the policy loads (so <c>validate</c> reports every settings
/// error at its line), and evaluates a rule with those settings. Waivers, enforcement, turning
/// exceptions into errors and reporting live in the engine.
/// </summary>
public interface IGate
{
    GateDescriptor Descriptor { get; }

    /// <summary>Binds schema-valid settings; problems go to <paramref name="binder"/>, which locates them (null only then).</summary>
    object? Bind(SettingsBinder binder);

    GateResult Evaluate(GateContext context, object settings);

    /// <summary>
    /// A <see cref="GateDescriptor.Shardable"/> gate: the result one run over every sample gives, from
    /// what each shard's run returned (in shard order, each with its <see cref="RuleRun.Part"/>).
    /// </summary>
    GateResult Merge(GateContext context, object settings, IReadOnlyList<RuleRun> shards) =>
        throw new NotSupportedException($"the {Descriptor.Kind} gate does not split its samples");

    /// <summary>
    /// The assemblies whose code decides the gate's results (its own, and those of the runtimes it was
    /// given): the verdict cache keys on their builds, so a rebuilt runtime of the same version is not
    /// answered with what the old one found.
    /// </summary>
    IEnumerable<System.Reflection.Assembly> Implementation => [GetType().Assembly];

    /// <summary>
    /// The commands of the gate's own kind (a threat model's matrix, a lineage statement, a detector's miss rate),
    /// which the command line lists beside its own; each writes to <paramref name="output"/> and <paramref name="error"/>.
    /// </summary>
    IEnumerable<Command> Commands(TextWriter output, TextWriter error) => [];

    /// <summary>The gate's part of the policy <c>init</c> writes for a model; null where it has none for this one.</summary>
    ScaffoldSection? Scaffold(ScaffoldContext context) => null;
}

/// <summary>A gate with typed settings: the engine passes back what <see cref="Bind"/> returned.</summary>
public abstract class Gate<TSettings> : IGate where TSettings : class
{
    public abstract GateDescriptor Descriptor { get; }

    public abstract TSettings? Bind(SettingsBinder binder);

    public abstract GateResult Evaluate(GateContext context, TSettings settings);

    public virtual IEnumerable<System.Reflection.Assembly> Implementation => [GetType().Assembly];

    public virtual IEnumerable<Command> Commands(TextWriter output, TextWriter error) => [];

    public virtual ScaffoldSection? Scaffold(ScaffoldContext context) => null;

    object? IGate.Bind(SettingsBinder binder) => Bind(binder);

    public virtual GateResult Merge(GateContext context, TSettings settings, IReadOnlyList<RuleRun> shards) =>
        throw new NotSupportedException($"the {Descriptor.Kind} gate does not split its samples");

    GateResult IGate.Evaluate(GateContext context, object settings) => Evaluate(context, (TSettings)settings);

    GateResult IGate.Merge(GateContext context, object settings, IReadOnlyList<RuleRun> shards) => Merge(context, (TSettings)settings, shards);
}

/// <summary>What a gate concluded about one rule, and its own section of the Markdown report (null when it has none).</summary>
public sealed record GateResult(IReadOnlyList<Finding> Findings, string? ReportSection = null)
{
    /// <summary>The last day the result holds when nothing else changes (an assessment ages out, an acceptance expires); null when it does not date.</summary>
    public DateOnly? ValidUntil { get; init; }

    /// <summary>Under <c>--shard</c>, what a shardable gate evaluated of its share (JSON for its <see cref="IGate.Merge"/>); null otherwise.</summary>
    public string? Part { get; init; }
}
