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
    public static Finding Passed(string ruleId, string subject, string message, SourceLocation location, IReadOnlyDictionary<string, object>? properties = null) =>
        new(ruleId, Outcome.Passed, subject, message, [location], properties);

    public static Finding Failed(string ruleId, string subject, string message, SourceLocation location, IReadOnlyDictionary<string, object>? properties = null) =>
        new(ruleId, Outcome.Failed, subject, message, [location], properties);

    public static Finding Error(string ruleId, string subject, string message, SourceLocation location) =>
        new(ruleId, Outcome.Error, subject, message, [location]);

    public static Finding Skipped(string ruleId, string subject, string reason, SourceLocation location) =>
        new(ruleId, Outcome.Skipped, subject, reason, [location]);
}
