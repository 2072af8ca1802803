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
