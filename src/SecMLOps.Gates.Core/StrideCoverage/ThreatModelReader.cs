using System.Globalization;
using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.StrideCoverage;

/// <summary>
/// Reads a threat model: this project's format (kind ThreatModel, schema-checked first) or an OWASP
/// Threat Dragon v2 file. Then the checks a schema cannot make, as errors (a model that breaks them
/// is malformed, not merely incomplete): dates are real calendar dates, no assessment is dated in the
/// future, ids are unique, and every id the model mentions (flow ends, trust boundaries, controls)
/// is declared. What a model leaves unstated (an unrated impact, a flow end) is the coverage rule's to report.
/// </summary>
public static class ThreatModelReader
{
    public const string SecMLOpsFormat = "secmlops";
    public const string ThreatDragonFormat = "threat-dragon-v2";

    public static (ThreatModel? Model, IReadOnlyList<Finding> Errors) Read(SourceDocument document, string format, DateOnly today)
    {
        var errors = new List<Finding>();
        var model = format == ThreatDragonFormat ? Import(document, errors) : ReadOurs(document, today, errors);
        if (model is not null)
            CheckReferences(document, model, errors);
        return errors.Count > 0 ? (null, errors) : (model, []);
    }

    private static ThreatModel? Import(SourceDocument document, List<Finding> errors)
    {
        var (model, importErrors) = ThreatDragonImporter.Import(document);
        errors.AddRange(importErrors);
        return model;
    }

    private static ThreatModel? ReadOurs(SourceDocument document, DateOnly today, List<Finding> errors)
    {
        errors.AddRange(SchemaValidator.Validate(document, SchemaCatalog.Get(SchemaCatalog.ThreatModel)));
        if (errors.Count > 0)
            return null;
        var reader = new Reader(document, today, errors);
        var spec = document.Root["spec"]!;
        var elements = ((JArray)spec["elements"]!).Select(reader.Element).ToList();
        var controls = spec["controls"] is JArray list ? list.Select(reader.Control).ToList() : [];
        foreach (var boundary in spec["trustBoundaries"] as JArray ?? [])
            foreach (var member in boundary["contains"] as JArray ?? [])
                if (!elements.Any(e => e.Id == (string)member!))
                    errors.Add(Inconsistent(document, $"trust boundary {boundary["id"]} contains '{member}', which is not an element of the model", member));
        return new ThreatModel(document.Path, (string)document.Root["metadata"]!["name"]!, elements, controls);
    }

    private static void CheckReferences(SourceDocument document, ThreatModel model, List<Finding> errors)
    {
        var ids = model.Elements.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var group in model.Elements.GroupBy(e => e.Id).Where(g => g.Count() > 1))
            errors.Add(Finding.Error(EngineRules.PolicyInconsistent.Id, document.Path, $"element id {group.Key} is used {group.Count()} times", group.Last().Location));
        foreach (var group in model.Controls.GroupBy(c => c.Id).Where(g => g.Count() > 1))
            errors.Add(Finding.Error(EngineRules.PolicyInconsistent.Id, document.Path, $"control id {group.Key} is declared {group.Count()} times", group.Last().Location));
        var controls = model.Controls.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var element in model.Elements)
        {
            // An endpoint that is stated must be an element; one that is not stated is the coverage rule's finding.
            foreach (var (end, target) in new[] { ("from", element.From), ("to", element.To) })
            {
                if (target is not null && !ids.Contains(target))
                    errors.Add(Finding.Error(EngineRules.PolicyInconsistent.Id, document.Path, $"data flow {element.Id} names '{target}' as '{end}', which is not an element of the model", element.Location));
            }
            foreach (var threat in element.Threats)
                foreach (var control in threat.Controls.Where(c => !controls.Contains(c)))
                    errors.Add(Finding.Error(EngineRules.PolicyInconsistent.Id, document.Path, $"{element.Id}/{threat.Category} names control {control}, which the model does not declare", threat.Location));
        }
    }

    private static Finding Inconsistent(SourceDocument document, string message, JToken at) =>
        Finding.Error(EngineRules.PolicyInconsistent.Id, document.Path, message, document.LocationOf(at));

    /// <summary>Builds the in-memory model from a schema-valid document, collecting date errors.</summary>
    private sealed class Reader(SourceDocument document, DateOnly today, List<Finding> errors)
    {
        public ModelElement Element(JToken element) => new(
            (string)element["id"]!,
            (string)element["name"]!,
            ElementTypeNames.SchemaWords.Parse((string)element["type"]!),
            (string?)element["from"],
            (string?)element["to"],
            (bool?)element["holdsAuditLogs"] ?? false,
            (bool?)element["outOfScope"] ?? false,
            element["applicable"]?.Values<string>().Select(c => c![0]).Distinct().ToList(),
            element["threats"] is JArray threats ? threats.Select(Threat).ToList() : [],
            document.LocationOf(element));

        private Assessment Threat(JToken threat)
        {
            var assessed = Date(threat["assessed"]!);
            if (assessed > today)
                errors.Add(Finding.Error(EngineRules.SchemaViolation.Id, document.Path,
                    $"assessed {assessed:yyyy-MM-dd} is in the future (today is {today:yyyy-MM-dd}); an assessment dated ahead would never age out", document.LocationOf(threat["assessed"]!)));
            return new Assessment(
                ((string)threat["category"]!)[0],
                ((string)threat["likelihood"]!)[0],
                ImpactNames.Words.Parse((string)threat["impact"]!),
                (string)threat["status"]!,
                assessed,
                threat["controls"]?.Values<string>().Select(id => id!).ToList() ?? [],
                threat["acceptance"] is JObject a ? new Acceptance((string)a["owner"]!, (string)a["reason"]!, Date(a["expires"]!)) : null,
                (string?)threat["title"],
                document.LocationOf(threat))
            {
                Rationale = (string?)threat["rationale"],
            };
        }

        public Control Control(JToken control) => new(
            (string)control["id"]!,
            (string)control["description"]!,
            control["evidence"] is JArray evidence
                ? evidence.Cast<JObject>().Select(e => e.Properties().Single()).Select(p => new Evidence(
                    EvidenceKinds.Keys.Parse(p.Name),
                    (string)p.Value!, document.LocationOf(p))).ToList()
                : [],
            document.LocationOf(control))
        {
            Name = (string?)control["name"],
            Group = (string?)control["group"],
        };

        /// <summary>A real calendar date; 2026-13-45 matches the schema's pattern but is an error here.</summary>
        private DateOnly Date(JToken token)
        {
            if (DateOnly.TryParseExact((string)token!, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                return date;
            errors.Add(Finding.Error(EngineRules.SchemaViolation.Id, document.Path, $"'{token}' is not a calendar date (YYYY-MM-DD)", document.LocationOf(token)));
            return DateOnly.MinValue;
        }
    }
}
