using System.Text.Json;
using System.Text.Json.Serialization;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Reporting;

// The JSON summary's contract: the CLI writes it, the MSBuild task (which compiles this file too, so
// the two cannot drift) reads it. Only the BCL here: the task must not load the engine's dependencies.

/// <param name="Inputs">Every file the evaluation read: repository-relative path, sha256, role.</param>
/// <param name="Outputs">Repository-relative paths of the files the rules wrote (plots, quarantine files).</param>
/// <param name="ValidUntil">The last day (YYYY-MM-DD) the verdict holds with the same inputs (a waiver or acceptance expires, an assessment ages out).</param>
public sealed record JsonSummary(
    string Tool, string Version, string Verdict, int ExitCode, string RepositoryRoot,
    JsonCounts Counts, IReadOnlyList<JsonPolicy> Policies, IReadOnlyList<JsonFinding> Findings, IReadOnlyList<JsonInput> Inputs, string? ValidUntil,
    IReadOnlyList<string>? Outputs = null);

public sealed record JsonCounts(int Passed, int Failed, int Skipped, int Errors, int Waived, int Informational);

public sealed record JsonPolicy(string Path, string? Name, string? Version);

/// <param name="Sha256">The file's sha256 when the evaluation ended (a folder: of its listing); absent when it could not be read.</param>
/// <param name="Role">What the policy declares the file as ("policy", "model", "baseline model", "dataset NAME"); absent for a rule's own files.</param>
public sealed record JsonInput(string Path, string? Sha256, string? Role = null);

public sealed record JsonFinding(
    string RuleId, string Outcome, string Level, bool Blocks, string Subject, string Message,
    IReadOnlyList<JsonLocation> Locations, IReadOnlyDictionary<string, object>? Properties, JsonWaiver? Waiver);

public sealed record JsonLocation(string Path, int Line, int Column);

/// <param name="Baseline">The baseline file that accepted this one finding; absent for a policy's waiver of the whole rule.</param>
public sealed record JsonWaiver(string Owner, string Reason, string? Ticket, string Expires, string? Baseline = null);

/// <summary>Reads a summary written with <see cref="FindingJson.Options"/>.</summary>
public static class JsonSummaryFormat
{
    public static JsonSummary Read(string json) =>
        JsonSerializer.Deserialize<JsonSummary>(json, FindingJson.Options) ?? throw new JsonException("the JSON summary is empty");
}
