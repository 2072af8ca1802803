namespace SecMLOps.Gates.Engine;

public enum Verdict
{
    Passed,
    Failed,

    /// <summary>Bad input or configuration: nothing can be concluded until it is fixed.</summary>
    Error,

    /// <summary>The tool itself failed (a gate crashed); never read as a pass.</summary>
    InternalError,
}

public static class VerdictExtensions
{
    public static int ExitCode(this Verdict verdict) => verdict switch
    {
        Verdict.Passed => ExitCodes.Passed,
        Verdict.Failed => ExitCodes.PolicyViolated,
        Verdict.Error => ExitCodes.InputError,
        _ => ExitCodes.InternalError,
    };

    public static string Word(this Verdict verdict) => verdict switch
    {
        Verdict.Passed => "pass",
        Verdict.Failed => "fail",
        _ => "error",
    };
}
