using System.CommandLine;
using SecMLOps.Gates.Cli.Commands;
using SecMLOps.Gates.Engine;

namespace SecMLOps.Gates.Cli;

/// <summary>Builds the command tree and maps every way a run can end to a documented exit code.</summary>
public static class GateCommandLine
{
    /// <param name="worker">Runs the rules of gates that run model code in a separate process; null runs them in this one.</param>
    public static int Run(string[] args, TextWriter output, TextWriter error, IRuleWorker? worker = null)
    {
        var root = new RootCommand("secmlops-gate: checks machine-learning models against versioned security policies.")
        {
            ValidateCommand.Create(output),
            EvaluateCommand.Create(output, error, worker),
            MergeCommand.Create(output, error, worker),
            DiffCommand.Create(output),
            MatrixCommand.Create(output),
            MissRateCommand.Create(output, error),
            AttestCommand.Create(output, error),
            SignCommand.Create(output, error),
            SchemaCommand.Create(output, error),
            RulesCommand.Create(output, error),
            BaselineCommand.Create(output, error, worker),
            InitCommand.Create(output, error),
            Worker.WorkerCommand.Create(error),
        };
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
