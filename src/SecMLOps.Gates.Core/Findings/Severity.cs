namespace SecMLOps.Gates.Findings;

public enum Severity
{
    Low,
    Medium,
    High,
    Critical,
}

public static class SeverityScores
{
    /// <summary>GitHub code scanning's security-severity: critical > 9.0, high 7.0-8.9, medium 4.0-6.9, low below.</summary>
    public static string SecuritySeverity(this Severity severity) => severity switch
    {
        Severity.Critical => "9.5",
        Severity.High => "8.0",
        Severity.Medium => "5.5",
        _ => "2.0",
    };
}
