using System.CommandLine;
using SecMLOps.Gates.Cli.Commands;
using SecMLOps.Gates.Engine;

namespace SecMLOps.Gates.Cli;

/// <summary>Builds the command tree and maps every way a run can end to a documented exit code.</summary>
public static class GateCommandLine
{
    /// <param name="worker">Runs the rules of gates that run model code in a separate process; null runs them in this one.</param>
    /// <param name="registry">The gates, whose own commands join the engine's; null: those this version ships.</param>
    public static int Run(string[] args, TextWriter output, TextWriter error, IRuleWorker? worker = null, GateRegistry? registry = null)
    {
        registry ??= BuiltInGates.Registry;
        var root = new RootCommand("secmlops-gate: checks machine-learning models against versioned security policies.")
        {
            ValidateCommand.Create(output, registry),
            EvaluateCommand.Create(output, error, worker, registry),
            MergeCommand.Create(output, error, worker, registry),
            DiffCommand.Create(output, registry),
            SchemaCommand.Create(output, error, registry),
            RulesCommand.Create(output, error, registry),
            BaselineCommand.Create(output, error, worker, registry),
            InitCommand.Create(output, error, registry),
            Worker.WorkerCommand.Create(error),
        };
        foreach (var command in registry.All.SelectMany(gate => gate.Commands(output, error)))
        {
            if (root.Subcommands.Any(c => c.Name == command.Name))
                throw new InvalidOperationException($"two commands are named '{command.Name}'");
            root.Add(command);
        }
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
                error.WriteLine($"secmlops-gate: {parseError.Message}");
            error.WriteLine("Run 'secmlops-gate --help' for usage.");
            return ExitCodes.InputError;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = output, Error = error });
        }
        catch (Exception e)
        {
            error.WriteLine($"secmlops-gate: internal error: {e}");
            return ExitCodes.InternalError;
        }
    }
}
