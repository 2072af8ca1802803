namespace SecMLOps.Gates.Findings;

/// <summary>
/// One conclusion of one rule about one subject. <see cref="Subject"/> names what was checked
/// (e.g. "DF-3/T" or "model.onnx"), so the finding keeps its identity when lines move.
/// </summary>
public sealed record Finding(
    string RuleId,
    Outcome Outcome,
    string Subject,
    string Message,
    IReadOnlyList<SourceLocation> Locations,
    IReadOnlyDictionary<string, object>? Properties = null)
{
    /// <summary>
    /// How this finding blocks when it differs from its rule's enforcement: a gate sets it only where
    /// the policy says so for a kind of finding (e.g. the stride-coverage rule's unrated impacts).
    /// </summary>
    public Enforcement? Enforcement { get; init; }

    /// <summary>sha256 of the rule id and the subject, never a line number, so that a finding keeps its identity (in code scanning, in a baseline) when the file is edited.</summary>
    public string Fingerprint =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{RuleId}\n{Subject}")));

    public static Finding Passed(string ruleId, string subject, string message, SourceLocation location, IReadOnlyDictionary<string, object>? properties = null) =>
        new(ruleId, Outcome.Passed, subject, message, [location], properties);

    public static Finding Failed(string ruleId, string subject, string message, SourceLocation location, IReadOnlyDictionary<string, object>? properties = null) =>
        new(ruleId, Outcome.Failed, subject, message, [location], properties);

    public static Finding Error(string ruleId, string subject, string message, SourceLocation location) =>
        new(ruleId, Outcome.Error, subject, message, [location]);

    public static Finding Skipped(string ruleId, string subject, string reason, SourceLocation location) =>
        new(ruleId, Outcome.Skipped, subject, reason, [location]);

    /// <summary>
    /// Passed when <paramref name="value"/> keeps to <paramref name="limit"/>, failed otherwise (NaN
    /// always fails); the message is <paramref name="text"/> followed by the limit.
    /// </summary>
    public static Finding Judge(string ruleId, string subject, double value, Limit limit, string text, SourceLocation location, IReadOnlyDictionary<string, object>? properties = null) =>
        new(ruleId, limit.HeldBy(value) ? Outcome.Passed : Outcome.Failed, subject, $"{text} ({limit})", [location], properties);
}

/// <summary>A bound a measured value must keep to: at least or at most <see cref="Value"/>.</summary>
public readonly record struct Limit(double Value, bool IsMinimum, string Format = "0.###")
{
    public static Limit AtLeast(double value, string format = "0.###") => new(value, true, format);

    public static Limit AtMost(double value, string format = "0.###") => new(value, false, format);

    public bool HeldBy(double measured) => IsMinimum ? measured >= Value : measured <= Value;

    public override string ToString() =>
        $"{(IsMinimum ? "at least" : "at most")} {Value.ToString(Format, System.Globalization.CultureInfo.InvariantCulture)} required";
}
