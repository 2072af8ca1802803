using System.CommandLine;
using SecMLOps.Gates.Commands;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Cli.Commands;

/// <summary>
/// secmlops-gate baseline: evaluates the policies and writes a baseline accepting their current
/// failures, each with the owner, reason and expiry given. Only soft-mandatory rules' failures can be
/// accepted; a run with errors writes nothing.
/// </summary>
internal static class BaselineCommand
{
    public static Command Create(TextWriter output, TextWriter error, IRuleWorker? worker, GateRegistry registry)
    {
        var paths = new Argument<string[]>("policies") { Description = "Policy files, or folders to search for them.", Arity = ArgumentArity.OneOrMore };
        var file = new Option<string>("--output", "-o") { Description = "The baseline file to write (pass it to evaluate --baseline).", Required = true };
        var owner = new Option<string>("--owner") { Description = "Who answers for the accepted findings.", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why they are accepted.", Required = true };
        var expires = new Option<string>("--expires") { Description = "The last day (YYYY-MM-DD) the acceptance holds.", Required = true };
        var ticket = new Option<string?>("--ticket") { Description = "A ticket tracking the fix." };
        var (repoRoot, asOf, rule) = (RepositoryRootOption.Create(), CommonOptions.AsOf(), CommonOptions.Rule());
        var command = new Command("baseline", "Evaluate the policies and write a baseline file accepting their current failures (soft-mandatory rules only), with an owner and an expiry.")
        {
            paths, file, owner, reason, expires, ticket, repoRoot, asOf, rule,
        };
        command.SetAction(parsed =>
        {
            if (CommonOptions.ResolveDate(parsed.GetValue(asOf)) is not { } today)
                return Refuse(error, $"--as-of '{parsed.GetValue(asOf)}' is not a date (YYYY-MM-DD)");
            if (CommonOptions.ResolveDate(parsed.GetValue(expires)) is not { } until || parsed.GetValue(expires) is null)
                return Refuse(error, $"--expires '{parsed.GetValue(expires)}' is not a date (YYYY-MM-DD)");
            if (until < today)
                return Refuse(error, $"--expires {until:yyyy-MM-dd} has already passed");
            var options = new EvaluateOptions(registry, parsed.GetValue(paths)!, RepositoryRootOption.Resolve(parsed.GetValue(repoRoot)), today, null, null, null)
            {
                RuleIds = parsed.GetValue(rule) is { Length: > 0 } ids ? ids.ToHashSet(StringComparer.Ordinal) : null,
                Worker = worker,
            };
            return Run(options, parsed.GetValue(file)!, parsed.GetValue(owner)!, parsed.GetValue(reason)!, parsed.GetValue(ticket), until, output, error);
        });
        return command;
    }

    private static int Run(EvaluateOptions options, string file, string owner, string reason, string? ticket, DateOnly expires, TextWriter output, TextWriter error)
    {
        var full = Path.GetFullPath(file);
        if (!options.Root.Contains(full))
            return Refuse(error, $"{file} lies outside the repository root {options.Root.FullPath}");
        if (Directory.Exists(full))
            return Refuse(error, $"{file} is a folder; name a file");
        if (string.IsNullOrWhiteSpace(owner) || string.IsNullOrWhiteSpace(reason))
            return Refuse(error, "--owner and --reason must say who answers for the accepted findings and why; blank ones are refused");
        // A committed baseline may be refreshed in place; any other path gets the checks of a report
        // (no input of any rule, selected or not, no tracked file, nothing under .git).
        var report = new GateEngine(options.Registry).Evaluate(options.Request(error, IsBaseline(full, options.Root) ? [] : [full]));
        if (report.Verdict is Verdict.Error or Verdict.InternalError)
        {
            foreach (var finding in report.Findings.Where(f => f.Outcome == Outcome.Error))
                FindingPrinter.Print(error, "error", finding.Finding);
            error.WriteLine("secmlops-gate: the evaluation has errors; no baseline was written");
            return report.ExitCode;
        }
        if (report.Inputs.Any(i => i.Path == options.Root.Relative(full)))
            return Refuse(error, $"{file} is an input of the evaluation and would be overwritten");

        var failures = report.Findings.Where(f => f.Outcome == Outcome.Failed && f.Enforcement != Enforcement.Advisory && f.Waiver is null).ToList();
        foreach (var hard in failures.Where(f => f.Enforcement == Enforcement.HardMandatory))
            FindingPrinter.Print(error, "not accepted (hard-mandatory)", hard.Finding);
        var accepted = failures.Where(f => f.Enforcement == Enforcement.SoftMandatory).Select(f => f.Finding).ToList();
        var name = Path.GetFileNameWithoutExtension(full);
        AtomicFile.WriteAllText(full, FindingBaseline.Render(name, accepted, owner, reason, ticket, expires));
        output.WriteLine($"secmlops-gate: wrote {options.Root.Relative(full)}: {accepted.Count} accepted finding(s) until {expires:yyyy-MM-dd}");
        return ExitCodes.Passed;
    }

    private static bool IsBaseline(string full, RepositoryRoot root)
    {
        if (!File.Exists(full))
            return false;
        try
        {
            return (string?)Documents.SourceDocument.Load(full, root.Relative(full)).Root["kind"] == FindingBaseline.Kind;
        }
        catch (GateInputException)
        {
            return false;
        }
    }

    private static int Refuse(TextWriter error, string message)
    {
        error.WriteLine($"secmlops-gate: {message}");
        return ExitCodes.InputError;
    }
}
