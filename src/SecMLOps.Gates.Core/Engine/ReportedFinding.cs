using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Engine;

/// <summary>A finding after the engine applied enforcement and waivers.</summary>
public sealed record ReportedFinding(Finding Finding, RuleDescriptor Rule, Enforcement Enforcement, Waiver? Waiver)
{
    public Outcome Outcome => Finding.Outcome;

    /// <summary>Only a failure can be waived, and only under soft-mandatory enforcement (the loader refuses waivers of hard-mandatory rules).</summary>
    public bool IsWaived => Waiver is not null && Outcome == Outcome.Failed && Enforcement == Enforcement.SoftMandatory;

    /// <summary>The least severity whose failures block (--fail-on); errors block whatever their rule.</summary>
    public Severity FailOn { get; init; } = Severity.Low;

    /// <summary>A failure of a rule less severe than --fail-on: reported, never blocking.</summary>
    public bool IsBelowFailOn => Outcome == Outcome.Failed && Rule.Severity < FailOn;

    /// <summary>Errors always block; failures block unless advisory, waived or below --fail-on.</summary>
    public bool Blocks => Outcome == Outcome.Error
        || (Outcome == Outcome.Failed && Enforcement != Enforcement.Advisory && !IsWaived && !IsBelowFailOn);

    /// <summary>
    /// SARIF level: error for what blocks, warning for advisory failures and those below --fail-on,
    /// note for waived ones (with their suppression, so code scanning can list them as dismissed), none for the rest.
    /// </summary>
    public string Level => Outcome switch
    {
        Outcome.Error => "error",
        Outcome.Failed when IsWaived => "note",
        Outcome.Failed when Enforcement == Enforcement.Advisory || IsBelowFailOn => "warning",
        Outcome.Failed => "error",
        _ => "none",
    };
}
