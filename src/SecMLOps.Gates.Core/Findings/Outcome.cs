namespace SecMLOps.Gates.Findings;

/// <summary>
/// What a check concluded. An error is a result too: it blocks, so that a crashing or unfinished
/// check can never read as a pass.
/// </summary>
public enum Outcome
{
    Passed,
    Failed,
    Skipped,
    Error,

    /// <summary>A measurement reported for context that decides nothing (e.g. one attack's share of an ensemble).</summary>
    Informational,
}
