using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Engine;

/// <summary>The whole result of one evaluation, in a deterministic order; every writer reads only this.</summary>
public sealed record EvaluationReport(
    IReadOnlyList<EvaluatedPolicy> Policies,
    IReadOnlyList<ReportedFinding> Findings,
    IReadOnlyList<RuleDescriptor> Rules,
    IReadOnlyList<InputFile> Inputs)
{
    /// <summary>Each gate's own Markdown section, by rule, in rule order.</summary>
    public IReadOnlyList<RuleReportSection> Sections { get; init; } = [];

    /// <summary>
    /// The last day this verdict holds with the same inputs: the earliest waiver expiry, acceptance
    /// expiry or assessment ageing out. A build that remembers a pass forgets it after this day.
    /// </summary>
    public DateOnly? ValidUntil { get; init; }

    /// <summary>Repository-relative paths of the files the rules wrote (plots, quarantine files); none unless the evaluation reached a verdict.</summary>
    public IReadOnlyList<string> Outputs { get; init; } = [];

    /// <summary>Report files the engine refused to let the front end write (they would overwrite an input).</summary>
    public IReadOnlySet<string> RefusedOutputs { get; init; } = new HashSet<string>();

    /// <summary>Under <c>--shard</c>: each rule's part, for the partial file <c>merge</c> reads.</summary>
    public IReadOnlyList<RulePart> Parts { get; init; } = [];

    public Verdict Verdict =>
        Findings.Any(f => f.Outcome == Outcome.Error && f.Rule.Id == EngineRules.GateCrashed.Id) ? Verdict.InternalError
        : Findings.Any(f => f.Outcome == Outcome.Error) ? Verdict.Error
        : Findings.Any(f => f.Blocks) ? Verdict.Failed
        : Verdict.Passed;

    public int ExitCode => Verdict.ExitCode();

    public int Count(Outcome outcome) => Findings.Count(f => f.Outcome == outcome);
}

/// <summary>A policy file that took part, with its name and version when it could be read.</summary>
public sealed record EvaluatedPolicy(string Path, string? Name, string? Version);

/// <summary>A gate's own part of the Markdown report for one rule.</summary>
public sealed record RuleReportSection(string RuleId, string Markdown);
