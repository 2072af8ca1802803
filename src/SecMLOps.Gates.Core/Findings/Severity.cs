namespace SecMLOps.Gates.Findings;

public enum Severity
{
    Low,
    Medium,
    High,
    Critical,
}

public static class Severities
{
    public static readonly Vocabulary<Severity> Words = new((Severity.Critical, "critical"), (Severity.High, "high"), (Severity.Medium, "medium"), (Severity.Low, "low"));

    /// <summary>GitHub code scanning's security-severity: critical > 9.0, high 7.0-8.9, medium 4.0-6.9, low below.</summary>
    public static string SecuritySeverity(this Severity severity) => severity switch
    {
        Severity.Critical => "9.5",
        Severity.High => "8.0",
        Severity.Medium => "5.5",
        Severity.Low => "2.0",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, null),
    };
}
