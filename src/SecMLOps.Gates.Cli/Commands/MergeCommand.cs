using System.CommandLine;
using SecMLOps.Gates.Commands;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Cli.Commands;

/// <summary>
/// secmlops-gate merge: combines the partial files of every shard of one evaluation into the verdict,
/// SARIF, JSON and Markdown a single run gives (attack timings aside: they are the shards' sums).
/// </summary>
internal static class MergeCommand
{
    public static Command Create(TextWriter output, TextWriter error, IRuleWorker? worker, GateRegistry registry)
    {
        var partials = new Argument<string[]>("partials")
        {
            Description = "The partial file of every shard (evaluate --shard I/N --partial FILE), each exactly once.",
            Arity = ArgumentArity.OneOrMore,
        };
        var (sarif, summary, json) = CommonOptions.Reports();
        var repoRoot = RepositoryRootOption.Create();
        var (failOn, baseline) = (CommonOptions.FailOn(), CommonOptions.Baseline());
        var command = new Command("merge",
            "Combine the shards' partial files into one evaluation's verdict and reports, refusing files from other inputs, settings or tool versions and a missing or repeated shard; " +
            "exit codes as evaluate's.")
        {
            partials, sarif, summary, json, repoRoot, failOn, baseline,
        };
        command.SetAction(parsed =>
        {
            var root = RepositoryRootOption.Resolve(parsed.GetValue(repoRoot));
            ShardedEvaluation sharded;
            try
            {
                sharded = ShardedEvaluation.Combine(parsed.GetValue(partials)!.Select(file => (file, PartialEvaluation.Read(file, file))).ToList());
            }
            catch (GateInputException e)
            {
                FindingPrinter.Print(output, "error", e.ToFinding("merge"));
                output.WriteLine("secmlops-gate: error: the partial files do not make up one evaluation; nothing was written");
                return ExitCodes.InputError;
            }
            var options = new EvaluateOptions(registry, sharded.Paths.Select(p => Path.Combine(root.FullPath, p)).ToList(), root, sharded.Today,
                parsed.GetValue(sarif), parsed.GetValue(summary), parsed.GetValue(json))
            {
                FailOn = CommonOptions.Severity(parsed.GetValue(failOn)!),
                RuleIds = sharded.RuleIds?.ToHashSet(StringComparer.Ordinal),
                Baseline = parsed.GetValue(baseline),
                Worker = worker,
                Merging = sharded,
            };
            return EvaluateCommand.Run(options, output, error);
        });
        return command;
    }
}
