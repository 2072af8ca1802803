using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Engine;

/// <summary>
/// One gate per rule kind. A gate reads its rule's settings from the context and returns one
/// finding per subject it checked (passed ones too). Waivers, enforcement, error handling and
/// reporting live in the engine, not here.
/// </summary>
public interface IGate
{
    /// <summary>The rule kind it handles, as written in policies (e.g. "stride-coverage").</summary>
    string Kind { get; }

    /// <summary>The definition in the policy schema that this gate's settings must match.</summary>
    string SettingsDefinition { get; }

    /// <summary>One line, for rule lists.</summary>
    string Title { get; }

    /// <summary>What a failure means and how to fix it; becomes the SARIF rule's full description and help.</summary>
    string Description { get; }

    IEnumerable<Finding> Evaluate(GateContext context);
}
