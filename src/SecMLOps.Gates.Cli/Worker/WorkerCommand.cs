using System.CommandLine;
using SecMLOps.Gates.Cli.Commands;
using SecMLOps.Gates.Commands;
using SecMLOps.Gates.Engine;

namespace SecMLOps.Gates.Cli.Worker;

/// <summary>
/// The child's side of <see cref="ConfinedRuleWorker"/> (hidden): loads the policy, runs one rule in
/// this process and writes what it produced to the scratch folder, the only place it may write.
/// </summary>
internal static class WorkerCommand
{
    public const string Name = "run-rule-worker";

    public static Command Create(TextWriter error)
    {
        var policy = new Argument<string>("policy");
        var rule = new Option<string>("--rule") { Required = true };
        var scratch = new Option<string>("--scratch") { Required = true };
        var position = new Option<string>("--position") { Required = true };
        var shard = new Option<string?>("--shard");
        var repoRoot = RepositoryRootOption.Create();
        var asOf = CommonOptions.AsOf();
        var command = new Command(Name, "Runs one rule for a parent secmlops-gate (internal).") { policy, rule, scratch, position, shard, repoRoot, asOf };
        command.Hidden = true;
        command.SetAction(parsed =>
        {
            var today = CommonOptions.ResolveDate(parsed.GetValue(asOf)) ?? throw new ArgumentException("--as-of is not a date");
            var request = new EvaluationRequest([parsed.GetValue(policy)!], RepositoryRootOption.Resolve(parsed.GetValue(repoRoot)), today, error);
            var run = new GateEngine(BuiltInGates.Registry).RunOneRule(request, parsed.GetValue(rule)!, parsed.GetValue(scratch)!, parsed.GetValue(position)!,
                parsed.GetValue(shard) is { } part ? Shard.Parse(part) ?? throw new ArgumentException("--shard is not I/N") : null);
            File.WriteAllText(Path.Combine(parsed.GetValue(scratch)!, ConfinedRuleWorker.ResultFile), run.ToJson());
            return ExitCodes.Passed;
        });
        return command;
    }
}
