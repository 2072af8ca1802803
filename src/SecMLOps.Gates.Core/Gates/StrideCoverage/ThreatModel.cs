using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Gates.StrideCoverage;

public enum ElementType
{
    ExternalEntity,
    Process,
    DataFlow,
    DataStore,
}

public static class ElementTypeNames
{
    public static string Words(this ElementType type) => type switch
    {
        ElementType.ExternalEntity => "external entity",
        ElementType.Process => "process",
        ElementType.DataFlow => "data flow",
        _ => "data store",
    };
}

public enum Impact
{
    Low,
    Medium,
    Severe,
}

/// <summary>A threat model in memory, whatever file format it came from.</summary>
public sealed record ThreatModel(string Path, string Name, IReadOnlyList<ModelElement> Elements, IReadOnlyList<Control> Controls);

public sealed record ModelElement(
    string Id,
    string Name,
    ElementType Type,
    string? From,
    string? To,
    bool HoldsAuditLogs,
    bool OutOfScope,
    IReadOnlyList<char>? ApplicableOverride,
    IReadOnlyList<Assessment> Threats,
    SourceLocation Location);

/// <summary>One assessed (element, STRIDE category) pair. Likelihood is H, M, L or N.</summary>
public sealed record Assessment(
    char Category,
    char Likelihood,
    Impact Impact,
    string Status,
    DateOnly? Assessed,
    IReadOnlyList<string> Controls,
    Acceptance? Acceptance,
    string? Title,
    SourceLocation Location);

public sealed record Acceptance(string Owner, string Reason, DateOnly Expires);

public sealed record Control(string Id, string Description, IReadOnlyList<Evidence> Evidence, SourceLocation Location);

/// <summary>What backs a control: a policy rule id, a file that exists, or a policy waiver.</summary>
public sealed record Evidence(EvidenceKind Kind, string Value, SourceLocation Location);

public enum EvidenceKind
{
    Rule,
    File,
    Waiver,
}
