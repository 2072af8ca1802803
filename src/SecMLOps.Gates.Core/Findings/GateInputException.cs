namespace SecMLOps.Gates.Findings;

/// <summary>
/// Bad input the user must fix (syntax, schema, a missing file, a path outside the repository).
/// The engine turns it into an error finding of <see cref="RuleId"/> at <see cref="Location"/>.
/// </summary>
public sealed class GateInputException(RuleDescriptor rule, string message, SourceLocation location)
    : Exception(message)
{
    public RuleDescriptor Rule { get; } = rule;
    public SourceLocation Location { get; } = location;
    public string RuleId => Rule.Id;

    public Finding ToFinding(string subject) => Finding.Error(Rule.Id, subject, Message, Location);
}
