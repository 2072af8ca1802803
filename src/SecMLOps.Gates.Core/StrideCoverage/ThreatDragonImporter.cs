using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.StrideCoverage;

/// <summary>
/// Imports an OWASP Threat Dragon v2 model (STRIDE diagrams). Threat Dragon records one severity per
/// threat, read here as both likelihood and impact (a missing or unknown one as not rated); its mitigations are free text, so they become
/// controls without evidence; it has no assessment dates. A file that is not shaped like one is an
/// error at the offending node, never a partial import.
/// </summary>
public static class ThreatDragonImporter
{
    public static (ThreatModel? Model, IReadOnlyList<Finding> Errors) Import(SourceDocument document)
    {
        if (document.Root["detail"]?["diagrams"] is not JArray diagrams || document.Root["version"] is null)
            return (null, [Finding.Error(EngineRules.SchemaViolation.Id, document.Path,
                "not a Threat Dragon v2 model: expected 'version' and 'detail.diagrams'", new SourceLocation(document.Path, 1, 1))]);

        var errors = new List<Finding>();
        var elements = new List<ModelElement>();
        var controls = new List<Control>();
        foreach (var diagram in diagrams)
        {
            if (diagram is not JObject || diagram["cells"] is not JArray)
                errors.Add(Finding.Error(EngineRules.SchemaViolation.Id, document.Path, "a diagram of a Threat Dragon v2 model must be an object with a list of cells", document.LocationOf(diagram)));
        }
        foreach (var cell in diagrams.SelectMany(d => d["cells"] as JArray ?? []).OfType<JObject>())
        {
            var cellType = cell["data"] is JObject typed ? Text(typed["type"]) : null;
            if (cellType is not null && NotElements.Contains(cellType))
                continue;
            if (Text(cell["id"]) is not { } id)
            {
                errors.Add(Finding.Error(EngineRules.SchemaViolation.Id, document.Path, "a diagram cell has no id", document.LocationOf(cell)));
                continue;
            }
            // A cell of a type not read here would drop an element, and with it every pair it should be assessed for.
            if (cell["data"] is not JObject data || ElementTypeOf(cellType) is not { } type)
            {
                errors.Add(Finding.Error(EngineRules.SchemaViolation.Id, id,
                    $"diagram cell {id} has {(cellType is null ? "no data.type" : $"data.type '{cellType}'")}: expected one of {string.Join(", ", ElementTypes.Concat(NotElements))}",
                    document.LocationOf(cell)));
                continue;
            }
            var threats = new List<Assessment>();
            foreach (var threat in (data["threats"] as JArray ?? []).OfType<JObject>())
            {
                if (CategoryOf(Text(threat["type"])) is not { } category)
                    continue;
                // A threat nobody rated is not rated: read as the worst likelihood with an unrated impact, never as a middle value.
                var severity = Text(threat["severity"])?.Trim() ?? "";
                var status = (Text(threat["status"]) ?? "Open").ToLowerInvariant() switch { "mitigated" => "mitigated", "na" => "accepted", _ => "open" };
                var controlIds = new List<string>();
                if (Text(threat["mitigation"]) is { } mitigation && !string.IsNullOrWhiteSpace(mitigation))
                {
                    var controlId = $"mitigation:{Text(threat["id"]) ?? $"{id}-{threats.Count}"}";
                    controls.Add(new Control(controlId, mitigation, [], document.LocationOf(threat["mitigation"]!)));
                    controlIds.Add(controlId);
                }
                var impact = ImpactOf(severity);
                threats.Add(new Assessment(category, impact switch { Impact.Low => 'L', Impact.Medium => 'M', _ => 'H' },
                    impact, status, null, controlIds, null, Text(threat["title"]), document.LocationOf(threat)));
            }
            elements.Add(new ModelElement(
                id, Text(data["name"]) ?? id, type,
                Text(cell["source"]?["cell"]), Text(cell["target"]?["cell"]),
                HoldsAuditLogs: false,
                OutOfScope: data["outOfScope"] is JValue { Type: JTokenType.Boolean } scope && (bool)scope,
                ApplicableOverride: null,
                threats,
                document.LocationOf(cell)));
        }
        if (errors.Count == 0 && elements.Count == 0)
            errors.Add(Finding.Error(EngineRules.SchemaViolation.Id, document.Path, "the Threat Dragon model has no elements (actors, processes, stores or flows) to check", new SourceLocation(document.Path, 1, 1)));
        if (errors.Count > 0)
            return (null, errors);
        return (new ThreatModel(document.Path, Text(document.Root["summary"]?["title"]) ?? document.Path, elements, controls), []);
    }

    private static string? Text(JToken? token) => token is JValue { Type: JTokenType.String } value ? (string?)value : null;

    /// <summary>Cell types that are drawing, not data-flow elements.</summary>
    private static readonly string[] NotElements = ["tm.Boundary", "tm.BoundaryBox", "tm.Text"];

    private static readonly string[] ElementTypes = ["tm.Actor", "tm.Process", "tm.Store", "tm.Flow"];

    private static ElementType? ElementTypeOf(string? type) => type switch
    {
        "tm.Actor" => ElementType.ExternalEntity,
        "tm.Process" => ElementType.Process,
        "tm.Store" => ElementType.DataStore,
        "tm.Flow" => ElementType.DataFlow,
        _ => null,
    };

    private static char? CategoryOf(string? type) => type?.ToLowerInvariant() switch
    {
        "spoofing" => 'S',
        "tampering" => 'T',
        "repudiation" => 'R',
        "information disclosure" => 'I',
        "denial of service" => 'D',
        "elevation of privilege" => 'E',
        _ => null,
    };

    private static Impact ImpactOf(string severity) => severity.ToLowerInvariant() switch
    {
        "high" or "critical" => Impact.Severe,
        "medium" => Impact.Medium,
        "low" => Impact.Low,
        _ => Impact.NotRated,
    };
}
