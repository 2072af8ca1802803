using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Gates.StrideCoverage;

/// <summary>Reads this project's threat-model format (kind ThreatModel), schema-checked first.</summary>
public static class ThreatModelReader
{
    /// <summary>Reads a threat model in the named format: secmlops (ours) or threat-dragon-v2.</summary>
    public static (ThreatModel? Model, IReadOnlyList<Finding> Errors) Read(SourceDocument document, string format) =>
        format == "threat-dragon-v2" ? ThreatDragonImporter.Import(document) : Read(document);

    public static (ThreatModel? Model, IReadOnlyList<Finding> Errors) Read(SourceDocument document)
    {
        var errors = SchemaValidator.Validate(document, SchemaCatalog.Get(SchemaCatalog.ThreatModel));
        if (errors.Count > 0)
            return (null, errors);

        var spec = document.Root["spec"]!;
        var elements = ((JArray)spec["elements"]!).Select(e => Element(document, e)).ToList();
        var controls = spec["controls"] is JArray list ? list.Select(c => Control(document, c)).ToList() : [];
        return (new ThreatModel(document.Path, (string)document.Root["metadata"]!["name"]!, elements, controls), []);
    }

    private static ModelElement Element(SourceDocument document, JToken element) => new(
        (string)element["id"]!,
        (string)element["name"]!,
        (string)element["type"]! switch
        {
            "external-entity" => ElementType.ExternalEntity,
            "process" => ElementType.Process,
            "data-flow" => ElementType.DataFlow,
            _ => ElementType.DataStore,
        },
        (string?)element["from"],
        (string?)element["to"],
        (bool?)element["holdsAuditLogs"] ?? false,
        (bool?)element["outOfScope"] ?? false,
        element["applicable"]?.Values<string>().Select(c => c![0]).ToList(),
        element["threats"] is JArray threats ? threats.Select(t => Threat(document, t)).ToList() : [],
        document.LocationOf(element));

    private static Assessment Threat(SourceDocument document, JToken threat) => new(
        ((string)threat["category"]!)[0],
        ((string)threat["likelihood"]!)[0],
        (string)threat["impact"]! switch { "severe" => Impact.Severe, "medium" => Impact.Medium, _ => Impact.Low },
        (string)threat["status"]!,
        Date(threat["assessed"]),
        threat["controls"]?.Values<string>().Select(id => id!).ToList() ?? [],
        threat["acceptance"] is JObject a ? new Acceptance((string)a["owner"]!, (string)a["reason"]!, Date(a["expires"]) ?? DateOnly.MinValue) : null,
        (string?)threat["title"],
        document.LocationOf(threat));

    private static Control Control(SourceDocument document, JToken control) => new(
        (string)control["id"]!,
        (string)control["description"]!,
        control["evidence"] is JArray evidence
            ? evidence.Cast<JObject>().Select(e => e.Properties().Single()).Select(p => new Evidence(
                p.Name switch { "rule" => EvidenceKind.Rule, "file" => EvidenceKind.File, _ => EvidenceKind.Waiver },
                (string)p.Value!, document.LocationOf(p))).ToList()
            : [],
        document.LocationOf(control));

    // An unparseable date (2026-13-40 matches the schema's pattern) reads as "never", which fails the age check.
    private static DateOnly? Date(JToken? token) =>
        token is null ? null : DateOnly.TryParseExact((string)token!, "yyyy-MM-dd", out var date) ? date : DateOnly.MinValue;
}
