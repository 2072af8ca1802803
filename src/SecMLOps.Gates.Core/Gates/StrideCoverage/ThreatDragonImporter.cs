using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Gates.StrideCoverage;

/// <summary>
/// Imports an OWASP Threat Dragon v2 model (STRIDE diagrams). Threat Dragon records one severity per
/// threat, read here as both likelihood and impact; its mitigations are free text, so they become
/// controls without evidence; it has no assessment dates.
/// </summary>
public static class ThreatDragonImporter
{
    public static (ThreatModel? Model, IReadOnlyList<Finding> Errors) Import(SourceDocument document)
    {
        if (document.Root["detail"]?["diagrams"] is not JArray diagrams || document.Root["version"] is null)
            return (null, [Finding.Error(EngineRules.SchemaViolation.Id, document.Path,
                "not a Threat Dragon v2 model: expected 'version' and 'detail.diagrams'", new SourceLocation(document.Path, 1, 1))]);

        var elements = new List<ModelElement>();
        var controls = new List<Control>();
        foreach (var cell in diagrams.SelectMany(d => d["cells"] as JArray ?? []))
        {
            var data = cell["data"];
            if (ElementTypeOf((string?)data?["type"]) is not { } type)
                continue;
            var id = (string)cell["id"]!;
            var threats = new List<Assessment>();
            foreach (var threat in data!["threats"] as JArray ?? [])
            {
                if (CategoryOf((string?)threat["type"]) is not { } category)
                    continue;
                var severity = (string?)threat["severity"] ?? "Medium";
                var status = ((string?)threat["status"] ?? "Open").ToLowerInvariant() switch { "mitigated" => "mitigated", "na" => "accepted", _ => "open" };
                var controlIds = new List<string>();
                if (!string.IsNullOrWhiteSpace((string?)threat["mitigation"]))
                {
                    var controlId = $"mitigation:{threat["id"]}";
                    controls.Add(new Control(controlId, (string)threat["mitigation"]!, [], document.LocationOf(threat["mitigation"]!.Parent!)));
                    controlIds.Add(controlId);
                }
                threats.Add(new Assessment(category, severity[0], ImpactOf(severity), status, null, controlIds, null,
                    (string?)threat["title"], document.LocationOf(threat)));
            }
            elements.Add(new ModelElement(
                id, (string?)data["name"] ?? id, type,
                (string?)cell["source"]?["cell"], (string?)cell["target"]?["cell"],
                HoldsAuditLogs: false,
                OutOfScope: (bool?)data["outOfScope"] ?? false,
                ApplicableOverride: null,
                threats,
                document.LocationOf(cell)));
        }
        return (new ThreatModel(document.Path, (string?)document.Root["summary"]?["title"] ?? document.Path, elements, controls), []);
    }

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
        _ => Impact.Low,
    };
}
