using System.CommandLine;
using SecMLOps.Gates.Commands;
using SecMLOps.Gates.Diff;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Reporting;
using SecMLOps.Gates.Reporting.Sarif;

namespace SecMLOps.Gates.Cli.Commands;

/// <summary>secmlops-gate diff: classifies every policy and threat-model change between two git revisions.</summary>
internal static class DiffCommand
{
    public static Command Create(TextWriter output, GateRegistry registry)
    {
        var baseRevision = new Argument<string>("base-rev") { Description = "The revision to compare from (e.g. origin/main)." };
        var headRevision = new Argument<string?>("head-rev") { Description = "The revision to compare to. Default: the working tree.", Arity = ArgumentArity.ZeroOrOne };
        var markdown = new Option<string?>("--markdown") { Description = "Write the Markdown report (for a pull-request comment) to this file." };
        var sarif = new Option<string?>("--sarif") { Description = "Write weakenings as SARIF results to this file." };
        var json = new Option<string?>("--json") { Description = "Write every change as a JSON summary to this file." };
        var failOnWeakening = new Option<bool>("--fail-on-weakening") { Description = "Exit 1 on any weakening, not only on one without a version bump." };
        var repoRoot = RepositoryRootOption.Create();
        var command = new Command("diff", "Compare every policy and threat model between two git revisions; classify each change as weakening, strengthening or neutral. Exit 1 when a weakening does not raise metadata.version.")
        {
            baseRevision, headRevision, markdown, sarif, json, failOnWeakening, repoRoot,
        };
        command.SetAction(parsed =>
        {
            var root = RepositoryRootOption.Resolve(parsed.GetValue(repoRoot));
            PolicyDiffReport diff;
            try
            {
                diff = PolicyDiff.Compare(new GitRevision(root.FullPath, parsed.GetValue(baseRevision)), new GitRevision(root.FullPath, parsed.GetValue(headRevision)), registry);
            }
            catch (GateInputException e)
            {
                output.WriteLine($"secmlops-gate: error {e.RuleId}: {e.Message}");
                return ExitCodes.InputError;
            }
            var report = DiffReports.ToEvaluationReport(diff);
            var text = DiffReports.ToMarkdown(diff);
            // Reports never land on a compared document, a tracked file or .git; all are checked before any is written.
            var check = new OutputCheck(root, diff.Files.Select(f => Path.Combine(root.FullPath, f.Path)));
            foreach (var reportFile in new[] { parsed.GetValue(markdown), parsed.GetValue(sarif), parsed.GetValue(json) }.OfType<string>())
            {
                if (Output.Refusal(reportFile, check) is { } refusal)
                {
                    output.WriteLine(refusal);
                    return ExitCodes.InputError;
                }
            }
            if (parsed.GetValue(markdown) is { } markdownPath) AtomicFile.WriteAllText(markdownPath, text);
            if (parsed.GetValue(sarif) is { } sarifPath) AtomicFile.WriteAllText(sarifPath, SarifReportWriter.ToJson(report, DiffReports.SarifCategory));
            if (parsed.GetValue(json) is { } jsonPath) AtomicFile.WriteAllText(jsonPath, JsonSummaryWriter.ToJson(report, root));
            output.Write(text);
            var weakened = diff.Changes.Any(c => c.Effect == ChangeEffect.Weakening);
            return report.ExitCode != ExitCodes.Passed ? report.ExitCode
                : parsed.GetValue(failOnWeakening) && weakened ? ExitCodes.PolicyViolated
                : ExitCodes.Passed;
        });
        return command;
    }
}
