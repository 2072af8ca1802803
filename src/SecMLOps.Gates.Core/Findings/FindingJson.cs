using System.Text.Json;
using System.Text.Json.Serialization;

namespace SecMLOps.Gates.Findings;

/// <summary>
/// How findings and the reports made of them (the JSON summary, the SARIF log, a stored rule run)
/// are written as JSON: camelCase, nulls left out, indented.
/// </summary>
public static class FindingJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        // A gate's measurement can be infinite or undefined (a zero spread, an empty class); written as
        // "Infinity" or "NaN" it stays visible instead of aborting the report.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
