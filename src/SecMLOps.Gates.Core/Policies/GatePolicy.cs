using SecMLOps.Gates.Data;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Policies;

/// <summary>A validated policy file (apiVersion secmlops.gates/v1, kind GatePolicy).</summary>
public sealed record GatePolicy(
    SourceDocument Document,
    string FullPath,
    string Name,
    string Version,
    IReadOnlyList<string> Owners,
    ModelSpec? Model,
    IReadOnlyDictionary<string, DatasetSpec> Datasets,
    IReadOnlyList<PolicyRule> Rules,
    IReadOnlyList<Waiver> Waivers)
{
    public string Directory => System.IO.Path.GetDirectoryName(FullPath)!;
}

/// <summary>
/// A rule: its gate is chosen by <see cref="Kind"/>. <see cref="Settings"/> is what the gate bound
/// when the policy loaded (its typed settings).
/// </summary>
public sealed record PolicyRule(
    string Id,
    string Kind,
    Enforcement Enforcement,
    Severity Severity,
    string? Description,
    object Settings,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<DeclaredOutput> Outputs,
    SourceLocation Location);

/// <summary>A file a rule writes (a plot, a quarantine file), where the policy declares it.</summary>
public sealed record DeclaredOutput(string FullPath, SourceLocation Location);

/// <summary>
/// A soft-mandatory rule's failures accepted until <see cref="Expires"/>: every failure of the rule
/// when the policy declares it, one failure (by fingerprint) when a baseline file does.
/// </summary>
public sealed record Waiver(string RuleId, string Owner, string Reason, string? Ticket, DateOnly Expires, SourceLocation Location)
{
    /// <summary>The baseline file that accepted the one finding; null for a policy's waiver.</summary>
    public string? Baseline { get; init; }

    public string Justification =>
        $"{(Baseline is null ? "Waived" : $"Accepted in baseline {Baseline}")} by {Owner} until {Expires:yyyy-MM-dd}: {Reason}{(Ticket is { } t ? $" ({t})" : "")}";
}

/// <summary>The candidate model. Paths are absolute, already checked to lie inside the repository.</summary>
public sealed record ModelSpec(
    string Path,
    string Format,
    IReadOnlyList<int>? InputShape,
    string? InputLayout,
    (double Min, double Max)? ValueRange,
    (IReadOnlyList<double> Mean, IReadOnlyList<double> Std)? Normalization,
    ModelFileSpec? Baseline,
    SourceLocation Location)
{
    /// <summary>Images as [channels, height, width]: declared NCHW, or no layout declared (the ONNX and PyTorch convention, read the same way everywhere).</summary>
    public bool ChannelsFirst => InputLayout is null or "NCHW";

    public bool ChannelsLast => InputLayout is "NHWC";
}

public sealed record ModelFileSpec(string Path, string Format, SourceLocation Location);

