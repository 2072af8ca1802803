namespace SecMLOps.Gates.StrideCoverage;

/// <summary>STRIDE categories and the classic STRIDE-per-element applicability table.</summary>
public static class Stride
{
    public const string Categories = "STRIDE";

    public static string Name(char category) => category switch
    {
        'S' => "Spoofing",
        'T' => "Tampering",
        'R' => "Repudiation",
        'I' => "Information disclosure",
        'D' => "Denial of service",
        'E' => "Elevation of privilege",
        _ => throw new ArgumentOutOfRangeException(nameof(category), category, "not a STRIDE category"),
    };

    /// <summary>Which categories an element must be assessed for, unless the model overrides it.</summary>
    public static IReadOnlyList<char> Applicable(ModelElement element) =>
        element.ApplicableOverride ?? PerElement(element.Type, element.HoldsAuditLogs);

    /// <summary>STRIDE per element: what an element of this type is assessed for when the model does not say.</summary>
    public static IReadOnlyList<char> PerElement(ElementType type, bool holdsAuditLogs) => type switch
    {
        ElementType.ExternalEntity => ['S', 'R'],
        ElementType.Process => ['S', 'T', 'R', 'I', 'D', 'E'],
        ElementType.DataFlow => ['T', 'I', 'D'],
        _ => holdsAuditLogs ? ['T', 'R', 'I', 'D'] : ['T', 'I', 'D'],
    };
}
