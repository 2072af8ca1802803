namespace SecMLOps.Gates.Engine;

/// <summary>The process exit codes of every front end; documented in the README.</summary>
public static class ExitCodes
{
    /// <summary>Every blocking rule passed (advisory findings and waived ones may remain).</summary>
    public const int Passed = 0;

    /// <summary>At least one mandatory rule failed and is not waived.</summary>
    public const int PolicyViolated = 1;

    /// <summary>Usage, configuration or input error: bad arguments, invalid policy, missing or unreadable input.</summary>
    public const int InputError = 2;

    /// <summary>The tool itself failed; never read as a pass.</summary>
    public const int InternalError = 3;
}
