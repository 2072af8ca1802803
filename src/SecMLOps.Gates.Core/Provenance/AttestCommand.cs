using System.CommandLine;
using SecMLOps.Gates.Commands;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Provenance.Lineage;

namespace SecMLOps.Gates.Provenance;

/// <summary>secmlops-gate attest: writes a model's training lineage as an in-toto statement (to be signed).</summary>
internal static class AttestCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var models = new Option<string[]>("--model") { Description = "A model file; repeat for several. They become the statement's subjects.", Arity = ArgumentArity.OneOrMore, Required = true };
        var datasets = new Option<string[]>("--dataset") { Description = "NAME=PATH or NAME=PATH,LABELS of a dataset the model was trained on, named as in the policy; repeat for several.", Arity = ArgumentArity.ZeroOrMore };
        var hyperparameters = new Option<string[]>("--hyperparameter") { Description = "KEY=VALUE; repeat for several.", Arity = ArgumentArity.ZeroOrMore };
        var environment = new Option<string[]>("--environment") { Description = "KEY=VALUE describing the training environment; repeat for several.", Arity = ArgumentArity.ZeroOrMore };
        var revision = new Option<string?>("--code-revision") { Description = "The training code's revision (e.g. a git commit)." };
        var file = new Option<string>("--output", "-o") { Description = "Where to write the statement.", Required = true };
        var command = new Command("attest", "Write a lineage statement (in-toto): model digests, dataset digests, hyperparameters, code revision, environment.")
        {
            models, datasets, hyperparameters, environment, revision, file,
        };
        command.SetAction(parsed =>
        {
            var pairs = (string[]? values) => (values ?? []).Select(v => v.Split('=', 2)).ToList();
            var bad = pairs(parsed.GetValue(datasets)).Concat(pairs(parsed.GetValue(hyperparameters))).Concat(pairs(parsed.GetValue(environment))).FirstOrDefault(p => p.Length != 2);
            if (bad is not null)
            {
                error.WriteLine($"secmlops-gate: '{string.Join("=", bad)}' is not NAME=VALUE");
                return ExitCodes.InputError;
            }
            var missing = parsed.GetValue(models)!.Concat(pairs(parsed.GetValue(datasets)).SelectMany(p => p[1].Split(','))).FirstOrDefault(p => !File.Exists(p));
            if (missing is not null)
            {
                error.WriteLine($"secmlops-gate: no such file: {missing}");
                return ExitCodes.InputError;
            }
            var read = parsed.GetValue(models)!.Concat(pairs(parsed.GetValue(datasets)).SelectMany(p => p[1].Split(',')));
            if (Output.Refusal(parsed.GetValue(file)!, Output.ForCommittedFile(parsed.GetValue(file)!, read)) is { } refusal)
            {
                error.WriteLine(refusal);
                return ExitCodes.InputError;
            }
            var statement = LineageStatement.Create(
                parsed.GetValue(models)!.Select(m => (Path.GetFileName(m), m)),
                pairs(parsed.GetValue(datasets)).Select(p => (p[0], p[1].Split(',')[0], p[1].Contains(',') ? p[1].Split(',')[1] : (string?)null)),
                pairs(parsed.GetValue(hyperparameters)).ToDictionary(p => p[0], p => p[1]),
                parsed.GetValue(revision),
                pairs(parsed.GetValue(environment)).ToDictionary(p => p[0], p => p[1]));
            AtomicFile.WriteAllText(parsed.GetValue(file)!, statement);
            output.WriteLine($"wrote {parsed.GetValue(file)}");
            return ExitCodes.Passed;
        });
        return command;
    }
}
