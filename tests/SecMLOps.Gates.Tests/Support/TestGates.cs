using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Tests.Support;

/// <summary>A gate whose behaviour a test chooses, to exercise the engine's handling of it.</summary>
internal sealed class ScriptedGate(string kind, Func<GateContext, IEnumerable<Finding>> evaluate) : IGate
{
    public string Kind => kind;
    // Any definition whose keys are all optional, so that test rules need no settings.
    public string SettingsDefinition => "poisoningSettings";
    public string Title => "Scripted gate.";
    public string Description => "A gate whose findings the test decides.";
    public IEnumerable<Finding> Evaluate(GateContext context) => evaluate(context);
}
