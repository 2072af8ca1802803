using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using SecMLOps.Gates.Reporting;

namespace SecMLOps.Gates.MSBuild;

/// <summary>
/// Runs <c>secmlops-gate evaluate</c> as a child process (so libtorch never loads into the build
/// node) and logs each finding of its JSON summary as an MSBuild diagnostic whose code is the rule
/// id. The verdict is the CLI's by construction.
/// </summary>
public sealed class EvaluateSecMLOpsPolicies : ToolTask
{
    [Required] public ITaskItem[] Policies { get; set; } = [];

    /// <summary>The secmlops-gate.dll to run with the dotnet host.</summary>
    [Required] public string CliPath { get; set; } = "";

    [Required] public string JsonOutput { get; set; } = "";

    /// <summary>Where to record the files the evaluation read, one absolute path a line, for incremental builds.</summary>
    [Required] public string InputsOutput { get; set; } = "";

    /// <summary>Where to record the sha256 of each file the evaluation read (see <see cref="RecordSecMLOpsInputDigests"/>).</summary>
    [Required] public string DigestsOutput { get; set; } = "";

    /// <summary>Where to record the last day the verdict holds (YYYY-MM-DD), so a remembered pass does not outlive a waiver.</summary>
    [Required] public string ValidUntilOutput { get; set; } = "";

    public string? SarifOutput { get; set; }

    public string? SummaryOutput { get; set; }

    public string? RepositoryRoot { get; set; }

    /// <summary>The date waivers and ages are judged against (YYYY-MM-DD); default today.</summary>
    public string? AsOf { get; set; }

    /// <summary>The folder rules' results are kept in between builds; empty keeps none.</summary>
    public string? VerdictCache { get; set; }

    protected override string ToolName => "dotnet";

    // The gate prints progress (attack, batch, rate, ETA) for minutes at a time: show it at normal verbosity.
    protected override MessageImportance StandardErrorLoggingImportance => MessageImportance.Normal;

    protected override string GenerateFullPathToTool() => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    protected override string GenerateCommandLineCommands()
    {
        var builder = new CommandLineBuilder();
        builder.AppendFileNameIfNotNull(CliPath);
        builder.AppendSwitch("evaluate");
        builder.AppendFileNamesIfNotNull(Policies, " ");
        builder.AppendSwitchIfNotNull("--json ", JsonOutput);
        builder.AppendSwitchIfNotNull("--sarif ", SarifOutput);
        builder.AppendSwitchIfNotNull("--summary ", SummaryOutput);
        builder.AppendSwitchIfNotNull("--repo-root ", RepositoryRoot);
        builder.AppendSwitchIfNotNull("--as-of ", AsOf);
        if (!string.IsNullOrEmpty(VerdictCache))
            builder.AppendSwitchIfNotNull("--cache ", VerdictCache);
        return builder.ToString();
    }

    protected override int ExecuteTool(string pathToTool, string responseFileCommands, string commandLineCommands)
    {
        File.Delete(JsonOutput);
        var exitCode = base.ExecuteTool(pathToTool, responseFileCommands, commandLineCommands);
        if (!File.Exists(JsonOutput))
        {
            Log.LogError(null, "SMG0000", null, null, 0, 0, 0, 0, $"secmlops-gate exited with code {exitCode} and wrote no results; see the messages above.");
            return exitCode;
        }
        var summary = JsonSummaryFormat.Read(File.ReadAllText(JsonOutput));
        foreach (var finding in summary.Findings)
            LogFinding(finding, summary.RepositoryRoot);
        var inputs = summary.Inputs.Select(i => (FullPath: Path.GetFullPath(Path.Combine(summary.RepositoryRoot, i.Path)), i.Sha256)).ToList();
        File.WriteAllLines(InputsOutput, inputs.Select(i => i.FullPath));
        InputDigests.WriteIfChanged(DigestsOutput, inputs);
        File.WriteAllText(ValidUntilOutput, summary.ValidUntil ?? "");
        if (exitCode != 0 && !Log.HasLoggedErrors)
            Log.LogError(null, "SMG0000", null, null, 0, 0, 0, 0, $"secmlops-gate exited with code {exitCode}.");
        return exitCode;
    }

    private void LogFinding(JsonFinding finding, string root)
    {
        if (finding.Outcome is not ("failed" or "error"))
            return;
        var location = finding.Locations.FirstOrDefault();
        var file = location is null ? null : Path.GetFullPath(Path.Combine(root, location.Path));
        var (line, column) = location is null ? (0, 0) : (location.Line, location.Column);
        if (finding.Waiver is { } waiver)
            Log.LogMessage(MessageImportance.High, $"{file}({line},{column}): waived {finding.RuleId}: {finding.Message} ({(waiver.Baseline is null ? "waived" : $"accepted in baseline {waiver.Baseline}")} by {waiver.Owner} until {waiver.Expires})");
        else if (finding.Blocks)
            Log.LogError(null, finding.RuleId, null, file, line, column, 0, 0, finding.Message);
        else
            Log.LogWarning(null, finding.RuleId, null, file, line, column, 0, 0, finding.Message);
    }

    // The CLI prints findings in compiler form; the JSON summary is the source of diagnostics, so
    // its text output is shown as plain messages rather than parsed a second time.
    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance) =>
        Log.LogMessage(messageImportance, singleLine);

    protected override bool HandleTaskExecutionErrors() => !Log.HasLoggedErrors;
}
