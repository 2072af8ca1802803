using System.Text.Json;
using System.Text.Json.Serialization;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Engine;

/// <summary>
/// What running one rule produced, before the engine reports it: its findings (an error of the run
/// included), its report section and validity, the files it recorded (with their digests) and the
/// files it wrote (repository-relative, with their bytes). The verdict cache keeps it, and a worker
/// process returns it, as JSON.
/// </summary>
public sealed record RuleRun(IReadOnlyList<Finding> Findings, string? Section, DateOnly? ValidUntil, IReadOnlyList<InputFile> Inputs, IReadOnlyList<(string Path, byte[] Bytes)> Outputs)
{
    /// <summary>A shard's part of a shardable gate's evaluation (<see cref="GateResult.Part"/>), or null.</summary>
    public string? Part { get; init; }

    private static readonly JsonSerializerOptions Options = new(FindingJson.Options)
    {
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter() },
    };

    public string ToJson() => JsonSerializer.Serialize(new StoredRun(
        Findings.Select(f => new StoredFinding(f.RuleId, f.Outcome, f.Subject, f.Message,
            f.Locations.Select(l => new StoredLocation(l.Path, l.Line, l.Column)).ToList(),
            f.Properties?.ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value, Options)), f.Enforcement)).ToList(),
        Section, ValidUntil,
        Inputs.Select(i => new StoredInput(i.Path, i.Sha256, i.Role)).ToList(),
        Outputs.Select(o => new StoredOutput(o.Path, Convert.ToBase64String(o.Bytes))).ToList(), Part), Options);

    /// <exception cref="JsonException">The text is not a rule run.</exception>
    /// <exception cref="FormatException">An output's bytes are not base64.</exception>
    public static RuleRun FromJson(string json)
    {
        var stored = JsonSerializer.Deserialize<StoredRun>(json, Options) ?? throw new JsonException("empty rule run");
        return new RuleRun(
            stored.Findings.Select(f => new Finding(f.RuleId, f.Outcome, f.Subject, f.Message,
                f.Locations.Select(l => new SourceLocation(l.Path, l.Line, l.Column)).ToList(),
                f.Properties?.ToDictionary(p => p.Key, p => Plain(p.Value)!)) { Enforcement = f.Enforcement }).ToList(),
            stored.Section, stored.ValidUntil,
            stored.Inputs.Select(i => new InputFile(i.Path, i.Sha256, i.Role)).ToList(),
            stored.Outputs.Select(o => (o.Path, Convert.FromBase64String(o.Base64))).ToList())
        {
            Part = stored.Part,
        };
    }

    /// <summary>A property value as the gate made it (numbers, strings, booleans, lists and maps), so the reports write it as a fresh run does.</summary>
    private static object? Plain(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt64(out var integer) => integer,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => value.EnumerateArray().Select(Plain).ToList(),
        JsonValueKind.Object => value.EnumerateObject().ToDictionary(p => p.Name, p => Plain(p.Value)),
        _ => null,
    };

    private sealed record StoredRun(List<StoredFinding> Findings, string? Section, DateOnly? ValidUntil, List<StoredInput> Inputs, List<StoredOutput> Outputs, string? Part);

    private sealed record StoredFinding(string RuleId, Outcome Outcome, string Subject, string Message, List<StoredLocation> Locations,
        Dictionary<string, JsonElement>? Properties, Enforcement? Enforcement);

    private sealed record StoredLocation(string Path, int Line, int Column);

    private sealed record StoredInput(string Path, string? Sha256, string? Role);

    private sealed record StoredOutput(string Path, string Base64);
}

/// <summary>Runs a rule whose gate runs model code (<see cref="GateDescriptor.RunsModelCode"/>) in a separate, confined process.</summary>
public interface IRuleWorker
{
    /// <summary>What the process may do, in words for progress and reports.</summary>
    string Confinement { get; }

    /// <summary>Runs the rule; throws when the process fails to answer.</summary>
    RuleRun Run(RuleWorkerRequest request, TextWriter progress);
}

/// <summary>The rule a worker runs: the policy file, the rule id, the repository and the date, and where the rule stands in the evaluation.</summary>
public sealed record RuleWorkerRequest(string PolicyPath, string RuleId, RepositoryRoot Root, DateOnly Today, string Position)
{
    /// <summary>The share of a shardable gate's samples to evaluate, or null for the whole rule.</summary>
    public Shard? Shard { get; init; }
}
