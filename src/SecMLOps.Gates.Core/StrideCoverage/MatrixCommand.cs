using System.CommandLine;
using SecMLOps.Gates.Commands;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.StrideCoverage;

/// <summary>secmlops-gate matrix: renders a threat model's STRIDE coverage matrix for reviewers.</summary>
internal static class MatrixCommand
{
    public static Command Create(TextWriter output)
    {
        var threatModel = new Argument<string>("threat-model") { Description = "The threat model file." };
        var format = new Option<string>("--format") { Description = "markdown or html.", DefaultValueFactory = _ => "markdown" };
        format.AcceptOnlyFromAmong("markdown", "html");
        var inputFormat = new Option<string>("--input-format") { Description = "secmlops or threat-dragon-v2.", DefaultValueFactory = _ => "secmlops" };
        inputFormat.AcceptOnlyFromAmong("secmlops", "threat-dragon-v2");
        var file = new Option<string?>("--output", "-o") { Description = "Write to this file instead of standard output." };
        var repoRoot = RepositoryRootOption.Create();
        var command = new Command("matrix", "Render the STRIDE coverage matrix (elements x S T R I D E) of a threat model as Markdown or HTML.")
        {
            threatModel, format, inputFormat, file, repoRoot,
        };
        command.SetAction(parsed => Run(parsed.GetValue(threatModel)!, parsed.GetValue(format)!, parsed.GetValue(inputFormat)!,
            parsed.GetValue(file), RepositoryRootOption.Resolve(parsed.GetValue(repoRoot)), output));
        return command;
    }

    private static int Run(string path, string format, string inputFormat, string? file, RepositoryRoot root, TextWriter output)
    {
        var full = Path.GetFullPath(path);
        if (!root.Contains(full))
        {
            output.WriteLine($"{path}: error {EngineRules.PathRefused.Id}: the threat model lies outside the repository root {root.FullPath}");
            return ExitCodes.InputError;
        }
        IReadOnlyList<Finding> errors;
        ThreatModel? model;
        try
        {
            (model, errors) = ThreatModelReader.Read(SourceDocument.Load(full, root.Relative(full)), inputFormat, DateOnly.FromDateTime(DateTime.UtcNow));
        }
        catch (GateInputException e)
        {
            (model, errors) = (null, [e.ToFinding(path)]);
        }
        if (model is null)
        {
            foreach (var error in errors)
                FindingPrinter.Print(output, "error", error);
            return ExitCodes.InputError;
        }
        var matrix = CoverageMatrix.Of(model);
        var text = format == "html" ? CoverageMatrixWriter.ToHtml(matrix) : CoverageMatrixWriter.ToMarkdown(matrix);
        return Output.Write(file, text, output, output, Output.ForCommittedFile(file ?? ".", [full]));
    }
}
