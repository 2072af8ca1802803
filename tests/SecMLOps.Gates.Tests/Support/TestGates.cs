using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Tests.Support;

/// <summary>A gate whose behaviour a test chooses, to exercise the engine's handling of it. It takes no settings.</summary>
internal sealed class ScriptedGate(string kind, Func<GateContext, IEnumerable<Finding>> evaluate) : Gate<object>
{
    public override GateDescriptor Descriptor { get; } = new(kind, "Scripted gate.", "A gate whose findings the test decides.",
        new JObject { ["type"] = "object", ["additionalProperties"] = false, ["properties"] = new JObject() });

    public override object Bind(SettingsBinder binder) => new();

    public override GateResult Evaluate(GateContext context, object settings) => new(evaluate(context).ToList());
}

/// <summary>
/// Stands in for a real gate (its descriptor, its settings binding) and reports one finding of the
/// outcome the test chooses, so that a test of another gate can have this one's rules pass or fail quickly.
/// </summary>
internal sealed class StandInGate(IGate real, Outcome outcome) : IGate
{
    public GateDescriptor Descriptor => real.Descriptor;

    public object? Bind(SettingsBinder binder) => real.Bind(binder);

    public GateResult Evaluate(GateContext context, object settings) =>
        new([new Finding(context.Rule.Id, outcome, context.Rule.Id, $"stand-in for the {real.Descriptor.Kind} gate", [context.RuleLocation])]);
}
