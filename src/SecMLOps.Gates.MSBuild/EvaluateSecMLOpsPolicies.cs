using System.Text.Json;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace SecMLOps.Gates.MSBuild;

/// <summary>
/// Runs <c>secmlops-gate evaluate</c> as a child process (so libtorch never loads into the build
/// node) and logs each finding from its JSON summary as an MSBuild diagnostic whose code is the rule id.
/// The verdict is the CLI's by construction.
/// </summary>
public sealed class EvaluateSecMLOpsPolicies : ToolTask
{
    [Required] public ITaskItem[] Policies { get; set; } = [];

    /// <summary>The secmlops-gate.dll to run with the dotnet host.</summary>
    [Required] public string CliPath { get; set; } = "";

    [Required] public string JsonOutput { get; set; } = "";

    /// <summary>Where to record the files the evaluation read, one absolute path a line, for incremental builds.</summary>
    [Required] public string InputsOutput { get; set; } = "";

    public string? SarifOutput { get; set; }

    public string? SummaryOutput { get; set; }

    public string? RepositoryRoot { get; set; }

    protected override string ToolName => "dotnet";

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
        using var summary = JsonDocument.Parse(File.ReadAllText(JsonOutput));
        var root = summary.RootElement.GetProperty("repositoryRoot").GetString()!;
        foreach (var finding in summary.RootElement.GetProperty("findings").EnumerateArray())
            LogFinding(finding, root);
        File.WriteAllLines(InputsOutput, summary.RootElement.GetProperty("inputs").EnumerateArray().Select(i => Path.Combine(root, i.GetString()!)));
        if (exitCode != 0 && !Log.HasLoggedErrors)
            Log.LogError(null, "SMG0000", null, null, 0, 0, 0, 0, $"secmlops-gate exited with code {exitCode}.");
        return exitCode;
    }

    private void LogFinding(JsonElement finding, string root)
    {
        var outcome = finding.GetProperty("outcome").GetString();
        if (outcome is not ("failed" or "error"))
            return;
        var ruleId = finding.GetProperty("ruleId").GetString();
        var message = finding.GetProperty("message").GetString()!;
        var location = finding.GetProperty("locations").EnumerateArray().FirstOrDefault();
        var file = location.ValueKind == JsonValueKind.Object ? Path.GetFullPath(Path.Combine(root, location.GetProperty("path").GetString()!)) : null;
        var line = location.ValueKind == JsonValueKind.Object ? location.GetProperty("line").GetInt32() : 0;
        var column = location.ValueKind == JsonValueKind.Object ? location.GetProperty("column").GetInt32() : 0;
        if (finding.TryGetProperty("waiver", out var waiver))
            Log.LogMessage(MessageImportance.High, $"{file}({line},{column}): waived {ruleId}: {message} (waived by {waiver.GetProperty("owner").GetString()} until {waiver.GetProperty("expires").GetString()})");
        else if (finding.GetProperty("blocks").GetBoolean())
            Log.LogError(null, ruleId, null, file, line, column, 0, 0, message);
        else
            Log.LogWarning(null, ruleId, null, file, line, column, 0, 0, message);
    }

    // The CLI prints findings in compiler form; the JSON summary is the source of diagnostics, so
    // its text output is shown as plain messages rather than parsed a second time.
    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance) =>
        Log.LogMessage(MessageImportance.Normal, singleLine);

    protected override bool HandleTaskExecutionErrors() => !Log.HasLoggedErrors;
}
