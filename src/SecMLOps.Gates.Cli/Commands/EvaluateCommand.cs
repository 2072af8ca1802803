using System.CommandLine;
using SecMLOps.Gates.Commands;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Reporting;
using SecMLOps.Gates.Reporting.Sarif;

namespace SecMLOps.Gates.Cli.Commands;

/// <summary>Options of one evaluation, as every front end fills them.</summary>
internal sealed record EvaluateOptions(GateRegistry Registry, IReadOnlyList<string> Paths, RepositoryRoot Root, DateOnly Today, string? Sarif, string? Summary, string? Json)
{
    public Severity FailOn { get; init; } = Severity.Low;
    public IReadOnlySet<string>? RuleIds { get; init; }
    public string? Baseline { get; init; }
    public string? Cache { get; init; }
    public IRuleWorker? Worker { get; init; }
    public ShardedEvaluation? Merging { get; init; }

    public EvaluationRequest Request(TextWriter progress, IReadOnlyList<string> reports) => new(Paths, Root, Today, progress)
    {
        ReportOutputs = reports,
        FailOn = FailOn,
        RuleIds = RuleIds,
        Baseline = Baseline,
        Cache = Cache is null ? null : new VerdictCache(Cache),
        Worker = Worker,
        Merging = Merging,
    };
}

/// <summary>secmlops-gate evaluate: runs every rule of the policies and writes the reports.</summary>
internal static class EvaluateCommand
{
    public static Command Create(TextWriter output, TextWriter error, IRuleWorker? worker, GateRegistry registry)
    {
        var paths = new Argument<string[]>("policies")
        {
            Description = "Policy files, or folders to search for them.",
            Arity = ArgumentArity.OneOrMore,
        };
        var (sarif, summary, json) = CommonOptions.Reports();
        var cache = new Option<string?>("--cache")
        {
            Description = "Keep each rule's result in this folder, keyed on the tool, the policy and the sha256 of every input it reads; " +
                "a rule whose inputs are unchanged is not run again (robustness and poisoning rules).",
        };
        var shard = new Option<string?>("--shard")
        {
            Description = "Evaluate one part of a split evaluation, I/N (1 <= I <= N): robustness rules attack their I-th share of the samples, " +
                "other rules run whole in shard 1; write it with --partial and combine the N files with `merge`.",
        };
        var partial = new Option<string?>("--partial") { Description = "With --shard: the file to write this shard's part to (merge reads it)." };
        var repoRoot = RepositoryRootOption.Create();
        var asOf = CommonOptions.AsOf();
        var (failOn, rule, baseline) = (CommonOptions.FailOn(), CommonOptions.Rule(), CommonOptions.Baseline());
        var command = new Command("evaluate", "Run every rule of the given policies against the model and its data; exit 0 pass, 1 violation, 2 input error, 3 internal error.")
        {
            paths, sarif, summary, json, cache, shard, partial, repoRoot, asOf, failOn, rule, baseline,
        };
        command.SetAction(parsed =>
        {
            if (CommonOptions.ResolveDate(parsed.GetValue(asOf)) is not { } today)
            {
                error.WriteLine($"secmlops-gate: --as-of '{parsed.GetValue(asOf)}' is not a date (YYYY-MM-DD)");
                return ExitCodes.InputError;
            }
            var options = new EvaluateOptions(registry, parsed.GetValue(paths)!, RepositoryRootOption.Resolve(parsed.GetValue(repoRoot)), today,
                parsed.GetValue(sarif), parsed.GetValue(summary), parsed.GetValue(json))
            {
                FailOn = CommonOptions.Severity(parsed.GetValue(failOn)!),
                RuleIds = parsed.GetValue(rule) is { Length: > 0 } ids ? ids.ToHashSet(StringComparer.Ordinal) : null,
                Baseline = parsed.GetValue(baseline),
                Cache = parsed.GetValue(cache),
                Worker = worker,
            };
            if (parsed.GetValue(shard) is null && parsed.GetValue(partial) is null)
                return Run(options, output, error);
            if (parsed.GetValue(shard) is not { } part || Shard.Parse(part) is not { } share || parsed.GetValue(partial) is not { } file)
            {
                error.WriteLine(parsed.GetValue(shard) is { } given && Shard.Parse(given) is null
                    ? $"secmlops-gate: --shard '{given}' is not I/N with 1 <= I <= N <= {Shard.MaxCount}"
                    : "secmlops-gate: --shard and --partial go together");
                return ExitCodes.InputError;
            }
            var merged = new[] { ("--sarif", options.Sarif), ("--json", options.Json), ("--summary", options.Summary), ("--cache", options.Cache), ("--baseline", options.Baseline) }
                .Where(o => o.Item2 is not null).Select(o => o.Item1).ToList();
            if (merged.Count > 0)
            {
                error.WriteLine($"secmlops-gate: a shard writes only its --partial file ({string.Join(", ", merged)} given); `merge` writes the reports and applies --baseline and --fail-on");
                return ExitCodes.InputError;
            }
            return RunShard(options, share, file, output, error);
        });
        return command;
    }

    /// <summary>
    /// One shard: its errors are shown and fail it (exit 2 or 3, nothing written); otherwise every
    /// rule's part goes to the partial file whole, and the shard exits 0 (the verdict is the merge's).
    /// </summary>
    private static int RunShard(EvaluateOptions options, Shard shard, string file, TextWriter output, TextWriter progress)
    {
        var report = new GateEngine(options.Registry).Evaluate(options.Request(progress, [file]) with { Shard = shard });
        foreach (var finding in report.Findings.Where(f => f.Outcome == Outcome.Error))
            FindingPrinter.Print(output, finding.Level, finding.Finding);
        if (report.Verdict is not (Verdict.Passed or Verdict.Failed))
        {
            output.WriteLine($"secmlops-gate: shard {shard}: {report.Verdict.Word()}; no partial file written");
            return report.ExitCode;
        }
        var partial = new PartialEvaluation(shard, ToolInfo.Version, options.Today,
            options.Paths.Select(p => options.Root.Relative(Path.GetFullPath(p))).ToList(), options.RuleIds?.Order(StringComparer.Ordinal).ToList(), report.Parts);
        AtomicFile.WriteAllText(file, partial.ToJson());
        output.WriteLine($"secmlops-gate: shard {shard}: {report.Parts.Count} rule part(s) written to {file}; combine every shard's file with `secmlops-gate merge`");
        return ExitCodes.Passed;
    }

    internal static int Run(EvaluateOptions options, TextWriter output, TextWriter progress)
    {
        var reports = new[] { options.Sarif, options.Json, options.Summary }.OfType<string>().ToList();
        var report = new GateEngine(options.Registry).Evaluate(options.Request(progress, reports));

        foreach (var finding in report.Findings.Where(f => f.Outcome is Outcome.Failed or Outcome.Error))
            FindingPrinter.Print(output, finding.IsWaived ? finding.Waiver!.Baseline is null ? "waived" : "accepted" : finding.Level, finding.Finding);

        // Every report is rendered before any is written, so a report that cannot be rendered leaves
        // none behind; each is written whole or not at all, and never onto a path the engine refused
        // (an input, a tracked file, a folder).
        var rendered = new (string? Path, Func<string> Render)[]
            {
                (options.Sarif, () => SarifReportWriter.ToJson(report)),
                (options.Json, () => JsonSummaryWriter.ToJson(report, options.Root)),
                (options.Summary, () => MarkdownSummaryWriter.ToMarkdown(report)),
            }
            .Where(r => r.Path is not null && !report.RefusedOutputs.Contains(r.Path))
            .Select(r => (Path: r.Path!, Text: r.Render()))
            .ToList();
        foreach (var (path, text) in rendered)
            AtomicFile.WriteAllText(path, text);

        output.WriteLine($"secmlops-gate: {report.Verdict.Word()}: {MarkdownSummaryWriter.Counts(report)}");
        return report.ExitCode;
    }
}
