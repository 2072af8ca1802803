using System.Collections.Concurrent;
using NJsonSchema;

namespace SecMLOps.Gates.Documents;

/// <summary>The JSON Schemas published as they are under policies/schema (the threat model's and the baseline's), embedded in this assembly.</summary>
public static class SchemaCatalog
{
    public const string ThreatModel = "threat-model.v1.schema.json";
    public const string Baseline = "gate-baseline.v1.schema.json";

    private static readonly ConcurrentDictionary<string, JsonSchema> Loaded = new();

    public static JsonSchema Get(string name) => Loaded.GetOrAdd(name, Load);

    public static string ReadText(string name)
    {
        using var stream = typeof(SchemaCatalog).Assembly.GetManifestResourceStream($"schema/{name}")
            ?? throw new InvalidOperationException($"schema {name} is not embedded in the engine");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static JsonSchema Load(string name) => JsonSchema.FromJsonAsync(ReadText(name)).GetAwaiter().GetResult();
}
