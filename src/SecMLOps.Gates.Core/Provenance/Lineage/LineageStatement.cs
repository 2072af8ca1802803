using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SecMLOps.Gates.Provenance.Lineage;

/// <summary>
/// A model's training lineage as an in-toto Statement: the subjects are the model files (by
/// sha256), the predicate names the datasets (with digests), hyperparameters, code revision and
/// training environment.
/// </summary>
public sealed record LineageStatement(
    IReadOnlyDictionary<string, string> Subjects,
    IReadOnlyDictionary<string, (string Sha256, string? LabelsSha256)> Datasets,
    JsonObject Predicate)
{
    public const string StatementType = "https://in-toto.io/Statement/v1";
    public const string PredicateType = "https://secmlops.dev/lineage/v1";

    /// <summary>A dataset is its features file and, for formats with a separate one, its labels file.</summary>
    public static string Create(IEnumerable<(string Name, string Path)> subjects, IEnumerable<(string Name, string Path, string? Labels)> datasets,
        IReadOnlyDictionary<string, string> hyperparameters, string? codeRevision, IReadOnlyDictionary<string, string> environment)
    {
        var statement = new JsonObject
        {
            ["_type"] = StatementType,
            ["subject"] = new JsonArray(subjects.Select(s => (JsonNode)new JsonObject
            {
                ["name"] = s.Name,
                ["digest"] = new JsonObject { ["sha256"] = Digest(s.Path) },
            }).ToArray()),
            ["predicateType"] = PredicateType,
            ["predicate"] = new JsonObject
            {
                ["datasets"] = new JsonArray(datasets.Select(d => (JsonNode)new JsonObject
                {
                    ["name"] = d.Name,
                    ["sha256"] = Digest(d.Path),
                    ["labelsSha256"] = d.Labels is null ? null : Digest(d.Labels),
                }).ToArray()),
                ["hyperparameters"] = new JsonObject(hyperparameters.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))),
                ["codeRevision"] = codeRevision,
                ["trainingEnvironment"] = new JsonObject(environment.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))),
            },
        };
        return statement.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    public static LineageStatement Parse(byte[] payload)
    {
        var root = JsonNode.Parse(payload)?.AsObject() ?? throw new JsonException("the statement is empty");
        if ((string?)root["_type"] != StatementType || (string?)root["predicateType"] != PredicateType)
            throw new JsonException($"not a lineage statement ({root["_type"]}, {root["predicateType"]})");
        var subjects = root["subject"]!.AsArray().ToDictionary(s => (string)s!["name"]!, s => (string)s!["digest"]!["sha256"]!);
        var predicate = root["predicate"]!.AsObject();
        var datasets = (predicate["datasets"] as JsonArray ?? []).ToDictionary(d => (string)d!["name"]!, d => ((string)d!["sha256"]!, (string?)d["labelsSha256"]));
        return new LineageStatement(subjects, datasets, predicate);
    }

    public static string Digest(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
