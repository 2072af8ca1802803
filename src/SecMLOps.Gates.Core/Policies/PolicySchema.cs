using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Engine;

namespace SecMLOps.Gates.Policies;

/// <summary>
/// The policy schema, assembled from the engine's part (gate-policy.v1.base.schema.json) and each
/// registered gate's settings schema: the rule kinds, the dataset formats, the model formats and every
/// gate's settings definition come from the registrations, never from a hand-kept list. For editors, each rule's
/// settings are tied to its kind with if/then; the engine validates settings against the kind's
/// definition itself, so every error keeps its line. `secmlops-gate schema` prints it;
/// policies/schema/gate-policy.v1.schema.json is that output (a test keeps the two equal).
/// </summary>
public sealed class PolicySchema
{
    private const string BaseResource = "SecMLOps.Gates.Policies.gate-policy.v1.base.schema.json";
    private readonly Dictionary<string, JsonSchema> _settings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JObject> _settingsDocuments = new(StringComparer.Ordinal);

    public PolicySchema(IReadOnlyCollection<GateDescriptor> gates, IReadOnlyCollection<ModelFileFormat> modelFormats, DatasetFormatCatalogue datasetFormats)
    {
        Document = Assemble(gates, modelFormats, datasetFormats);
        Compiled = JsonSchema.FromJsonAsync(Document.ToString(Formatting.None)).GetAwaiter().GetResult();
        foreach (var gate in gates)
        {
            _settings[gate.Kind] = Compiled.Definitions[gate.SettingsDefinition];
            _settingsDocuments[gate.Kind] = (JObject)Document["definitions"]![gate.SettingsDefinition]!;
        }
    }

    /// <summary>The assembled schema as JSON, with the x-stricter annotations and defaults the diff and the binder read.</summary>
    public JObject Document { get; }

    public JsonSchema Compiled { get; }

    public JsonSchema SettingsOf(string kind) => _settings[kind];

    /// <summary>The schema text as published (two-space indentation, one trailing newline).</summary>
    public string ToText() => Document.ToString(Formatting.Indented) + "\n";

    /// <summary>Follows a local $ref (#/definitions/...) of the assembled schema; other nodes are returned as they are.</summary>
    public JObject Resolve(JObject node)
    {
        var seen = 0;
        while (node["$ref"] is JValue { Type: JTokenType.String } reference && ((string)reference!).StartsWith("#/definitions/", StringComparison.Ordinal) && seen++ < 16)
        {
            var target = (JObject)Document["definitions"]![((string)reference!)["#/definitions/".Length..]]!;
            // Keywords beside the $ref (a description, x-stricter) belong to the referring node and win.
            var merged = (JObject)target.DeepClone();
            foreach (var property in node.Properties().Where(p => p.Name != "$ref"))
                merged[property.Name] = property.Value.DeepClone();
            node = merged;
        }
        return node;
    }

    /// <summary>The settings schema of a rule kind, as JSON; null when no gate is registered for it.</summary>
    public JObject? SettingsDocument(string kind) => _settingsDocuments.GetValueOrDefault(kind);

    /// <summary>
    /// Each format's own keys, in catalogue order, their descriptions led by the formats that take them
    /// ("idx and npy: the file holding the labels."); formats that share a key declare the same schema for it.
    /// </summary>
    private static void AddFormatKeys(JObject properties, DatasetFormatCatalogue formats)
    {
        foreach (var key in formats.All.SelectMany(f => f.Keys.Properties()).GroupBy(p => p.Name))
        {
            var takers = formats.All.Where(f => f.Keys[key.Key] is not null).ToList();
            if (key.Skip(1).FirstOrDefault(p => !JToken.DeepEquals(p.Value, key.First().Value)) is not null)
                throw new InvalidOperationException($"the dataset formats {string.Join(", ", takers.Select(f => f.Name))} declare the key '{key.Key}' differently");
            var schema = (JObject)key.First().Value.DeepClone();
            var names = takers.Select(f => f.Name).ToList();
            var description = (string?)schema["description"] ?? "";
            schema["description"] = $"{(names.Count == 1 ? names[0] : string.Join(", ", names[..^1]) + " and " + names[^1])}: {description}";
            properties[key.Key] = schema;
        }
    }

    private static JObject Assemble(IReadOnlyCollection<GateDescriptor> gates, IReadOnlyCollection<ModelFileFormat> modelFormats, DatasetFormatCatalogue datasetFormats)
    {
        using var stream = typeof(PolicySchema).Assembly.GetManifestResourceStream(BaseResource)
            ?? throw new InvalidOperationException($"{BaseResource} is not embedded in the engine");
        using var reader = new StreamReader(stream);
        var schema = JObject.Parse(reader.ReadToEnd());
        var definitions = (JObject)schema["definitions"]!;
        var dataset = (JObject)definitions["dataset"]!["properties"]!;
        dataset["format"]!["enum"] = new JArray(datasetFormats.All.Select(f => f.Name));
        dataset["format"]!["description"] = "How the dataset is stored: " + string.Join("; ", datasetFormats.All.Select(f => $"{f.Name}: {f.Description}"));
        AddFormatKeys(dataset, datasetFormats);
        foreach (var modelFile in new[] { "model", "modelFile" })
        {
            definitions[modelFile]!["properties"]!["format"]!["enum"] = new JArray(modelFormats.Select(f => f.Name));
            definitions[modelFile]!["properties"]!["format"]!["description"] = "How the model is stored: " +
                string.Join("; ", modelFormats.Select(f => $"{f.Name}: {f.Description} ({string.Join(", ", f.Extensions)})"));
        }
        var rule = (JObject)definitions["rule"]!;
        rule["properties"]!["kind"]!["enum"] = new JArray(gates.Select(g => g.Kind));
        rule["properties"]!["kind"]!["description"] = "The gate that checks the rule; its settings follow that gate's definition.";
        var conditions = new JArray();
        foreach (var gate in gates)
        {
            definitions[gate.SettingsDefinition] = gate.SettingsSchema.DeepClone();
            conditions.Add(new JObject
            {
                ["if"] = new JObject { ["properties"] = new JObject { ["kind"] = new JObject { ["const"] = gate.Kind } }, ["required"] = new JArray("kind") },
                ["then"] = new JObject { ["properties"] = new JObject { ["settings"] = new JObject { ["$ref"] = $"#/definitions/{gate.SettingsDefinition}" } } },
            });
        }
        rule["allOf"] = conditions;
        return schema;
    }
}
