using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Gates.StrideCoverage;

/// <summary>
/// Imports an OWASP Threat Dragon v2 model (STRIDE diagrams). Threat Dragon records one severity per
/// threat, read here as both likelihood and impact; its mitigations are free text, so they become
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
            if (cell["data"] is not JObject data || ElementTypeOf(Text(data["type"])) is not { } type)
                continue;
            if (Text(cell["id"]) is not { } id)
            {
                errors.Add(Finding.Error(EngineRules.SchemaViolation.Id, document.Path, "a diagram cell has no id", document.LocationOf(cell)));
                continue;
            }
            var threats = new List<Assessment>();
            foreach (var threat in (data["threats"] as JArray ?? []).OfType<JObject>())
            {
                if (CategoryOf(Text(threat["type"])) is not { } category)
                    continue;
                var severity = Text(threat["severity"]) is { Length: > 0 } given ? given : "Medium";
                var status = (Text(threat["status"]) ?? "Open").ToLowerInvariant() switch { "mitigated" => "mitigated", "na" => "accepted", _ => "open" };
                var controlIds = new List<string>();
                if (Text(threat["mitigation"]) is { } mitigation && !string.IsNullOrWhiteSpace(mitigation))
                {
                    var controlId = $"mitigation:{Text(threat["id"]) ?? $"{id}-{threats.Count}"}";
                    controls.Add(new Control(controlId, mitigation, [], document.LocationOf(threat["mitigation"]!)));
                    controlIds.Add(controlId);
                }
                threats.Add(new Assessment(category, char.ToUpperInvariant(severity[0]) is var letter && "HMLN".Contains(letter) ? letter : 'M',
                    ImpactOf(severity), status, null, controlIds, null, Text(threat["title"]), document.LocationOf(threat)));
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
