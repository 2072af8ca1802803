using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.StrideCoverage;

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
        ElementType.DataStore => "data store",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>The words a threat model names the types by.</summary>
    public static readonly Vocabulary<ElementType> SchemaWords = new(
        (ElementType.ExternalEntity, "external-entity"), (ElementType.Process, "process"), (ElementType.DataFlow, "data-flow"), (ElementType.DataStore, "data-store"));
}

/// <summary>How bad a threat would be. <see cref="NotRated"/> is a rating nobody has made: never read as low.</summary>
public enum Impact
{
    Low,
    Medium,
    Severe,
    NotRated,
}

public static class ImpactNames
{
    public static readonly Vocabulary<Impact> Words = new((Impact.Severe, "severe"), (Impact.Medium, "medium"), (Impact.Low, "low"), (Impact.NotRated, "not-rated"));

    public static string Word(this Impact impact) => Words.Word(impact);
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
    SourceLocation Location)
{
    /// <summary>Why the pair is rated as it is (e.g. the sentence of the source it rests on).</summary>
    public string? Rationale { get; init; }
}

public sealed record Acceptance(string Owner, string Reason, DateOnly Expires);

public sealed record Control(string Id, string Description, IReadOnlyList<Evidence> Evidence, SourceLocation Location)
{
    public string? Name { get; init; }

    /// <summary>What the control serves (e.g. integrity, availability), as the model groups it.</summary>
    public string? Group { get; init; }
}

/// <summary>What backs a control: a policy rule id, a file that exists, or a policy waiver.</summary>
public sealed record Evidence(EvidenceKind Kind, string Value, SourceLocation Location);

public enum EvidenceKind
{
    Rule,
    File,
    Waiver,
}

public static class EvidenceKinds
{
    /// <summary>The key an evidence entry is written with.</summary>
    public static readonly Vocabulary<EvidenceKind> Keys = new((EvidenceKind.Rule, "rule"), (EvidenceKind.File, "file"), (EvidenceKind.Waiver, "waiver"));
}
