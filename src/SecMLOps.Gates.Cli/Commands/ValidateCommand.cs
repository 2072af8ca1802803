using System.CommandLine;
using SecMLOps.Gates.Commands;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Cli.Commands;

/// <summary>secmlops-gate validate: checks policies and threat models against their schemas, runs nothing.</summary>
internal static class ValidateCommand
{
    public static Command Create(TextWriter output, GateRegistry registry)
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Policy or threat-model files, or folders to search for them.",
            Arity = ArgumentArity.OneOrMore,
        };
        var repoRoot = RepositoryRootOption.Create();
        var asOf = CommonOptions.AsOf();
        var command = new Command("validate", "Check policy and threat-model files (syntax, schema, paths, waivers) without evaluating them.")
        {
            paths, repoRoot, asOf,
        };
        command.SetAction(parsed =>
        {
            if (CommonOptions.ResolveDate(parsed.GetValue(asOf)) is not { } today)
            {
                output.WriteLine($"secmlops-gate: --as-of '{parsed.GetValue(asOf)}' is not a date (YYYY-MM-DD)");
                return ExitCodes.InputError;
            }
            return Run(parsed.GetValue(paths)!, RepositoryRootOption.Resolve(parsed.GetValue(repoRoot)), today, registry, output);
        });
        return command;
    }

    private static int Run(string[] paths, RepositoryRoot root, DateOnly today, GateRegistry registry, TextWriter output)
    {
        var (documents, errors) = new DocumentDiscovery(registry).Discover(paths, root);
        foreach (var error in errors)
            FindingPrinter.Print(output, "error", error);

        var validator = new DocumentValidator(root, registry, today);
        var failed = errors.Count;
        foreach (var document in documents)
        {
            var problems = validator.Validate(document);
            foreach (var problem in problems)
                FindingPrinter.Print(output, "error", problem);
            if (problems.Count == 0)
                output.WriteLine($"{(root.Contains(document.FullPath) ? root.Relative(document.FullPath) : document.FullPath)}: valid {document.Kind}");
            failed += problems.Count;
        }
        if (documents.Count == 0 && errors.Count == 0)
        {
            output.WriteLine("secmlops-gate: no policy or threat-model files found");
            return ExitCodes.InputError;
        }
        return failed == 0 ? ExitCodes.Passed : ExitCodes.InputError;
    }
}
