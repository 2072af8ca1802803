using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Engine;

/// <summary>A finding after the engine applied enforcement and waivers.</summary>
public sealed record ReportedFinding(Finding Finding, RuleDescriptor Rule, Enforcement Enforcement, Waiver? Waiver)
{
    public Outcome Outcome => Finding.Outcome;

    public bool IsWaived => Waiver is not null && Outcome == Outcome.Failed;

    /// <summary>Errors always block; failures block unless advisory or waived.</summary>
    public bool Blocks => Outcome == Outcome.Error
        || (Outcome == Outcome.Failed && Enforcement != Enforcement.Advisory && !IsWaived);

    /// <summary>SARIF level: error for what blocks, warning for advisory or waived failures, none for the rest.</summary>
    public string Level => Outcome switch
    {
        Outcome.Error => "error",
        Outcome.Failed when Enforcement == Enforcement.Advisory => "warning",
        Outcome.Failed => "error",
        _ => "none",
    };
}
