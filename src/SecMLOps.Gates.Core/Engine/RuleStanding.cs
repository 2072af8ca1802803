namespace SecMLOps.Gates.Engine;

/// <summary>How a rule came out in this evaluation, as a gate that takes rules as evidence sees it.</summary>
public enum RuleStanding
{
    /// <summary>Every blocking check of the rule passed: the only standing that counts as evidence.</summary>
    Passed,

    /// <summary>The rule did not run in this evaluation (left out by --rule, or its outputs were refused).</summary>
    NotRun,

    /// <summary>The rule's failures cannot block: advisory, or less severe than --fail-on.</summary>
    NotBlocking,

    /// <summary>The rule failed or ended in an error.</summary>
    Failed,

    /// <summary>The rule failed and a waiver or the baseline accepted the failure.</summary>
    Accepted,

    /// <summary>The rule itself judges other rules' results (a threat-model check): never evidence.</summary>
    JudgesRules,
}
