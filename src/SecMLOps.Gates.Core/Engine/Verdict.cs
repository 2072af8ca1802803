namespace SecMLOps.Gates.Engine;

public enum Verdict
{
    Passed,
    Failed,
    Error,
}

public static class VerdictExtensions
{
    public static int ExitCode(this Verdict verdict) => verdict switch
    {
        Verdict.Passed => ExitCodes.Passed,
        Verdict.Failed => ExitCodes.PolicyViolated,
        _ => ExitCodes.InputError,
    };

    public static string Word(this Verdict verdict) => verdict switch
    {
        Verdict.Passed => "pass",
        Verdict.Failed => "fail",
        _ => "error",
    };
}
