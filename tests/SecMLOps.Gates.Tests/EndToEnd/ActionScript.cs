using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.EndToEnd;

/// <summary>
/// Runs the action's step scripts (action/*.sh) as the GitHub runner would: each step with its own
/// GITHUB_OUTPUT file, one job summary, a runner temporary folder and the inputs in the environment.
/// </summary>
internal sealed class ActionScript : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "secmlops-action-" + Guid.NewGuid().ToString("N"));
    private int _steps;

    public ActionScript()
    {
        Directory.CreateDirectory(RunnerTemp);
        Directory.CreateDirectory(FakeBin);
    }

    public string RunnerTemp => Path.Combine(_folder, "runner-temp");
    public string SummaryFile => Path.Combine(_folder, "step-summary.md");
    public string ReportDir => Path.Combine(RunnerTemp, "secmlops-gate-reports");
    public string FakeBin => Path.Combine(_folder, "bin");
    public string? LastOutputFile { get; private set; }

    /// <summary>More environment for every step (e.g. the state file of a stand-in command).</summary>
    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>The tool the gate and diff steps run: a built secmlops-gate.dll by default, or what install-tool.sh installed.</summary>
    public string Tool { get; set; } = RepositoryLayout.CliDll;

    public ProcessResult Install(string workspace, string version, string source) =>
        Step("install-tool.sh", workspace, new()
        {
            ["TOOL_VERSION"] = version,
            ["TOOL_DIR"] = Path.Combine(RunnerTemp, "secmlops-gate-tool", version),
            ["TOOL_SOURCE"] = source,
        });

    public ProcessResult Gate(string workspace, string policy, string failOn = "low", Dictionary<string, string>? inputs = null)
    {
        var environment = new Dictionary<string, string> { ["INPUT_POLICY"] = policy, ["INPUT_FAIL_ON"] = failOn };
        foreach (var (key, value) in inputs ?? []) environment[key] = value;
        return Step("run-gate.sh", workspace, environment);
    }

    public ProcessResult Annotate(string workspace) => Step("annotate.sh", workspace, []);

    public ProcessResult Diff(string workspace, string baseRef, bool comment = false, string pullRequest = "7", bool failOnWeakening = false) =>
        Step("run-diff.sh", workspace, new()
        {
            ["BASE_REF"] = baseRef,
            ["INPUT_COMMENT"] = comment ? "true" : "false",
            ["INPUT_FAIL_ON_WEAKENING"] = failOnWeakening ? "true" : "false",
            ["PR_NUMBER"] = pullRequest,
            ["GH_TOKEN"] = "test-token",
        });

    private ProcessResult Step(string script, string workspace, Dictionary<string, string> environment)
    {
        LastOutputFile = Path.Combine(_folder, $"github-output-{++_steps}");
        File.WriteAllText(LastOutputFile, "");
        environment["GITHUB_WORKSPACE"] = workspace;
        environment["GITHUB_OUTPUT"] = LastOutputFile;
        environment["GITHUB_STEP_SUMMARY"] = SummaryFile;
        environment["GITHUB_REPOSITORY"] = "octo-org/models";
        environment["RUNNER_TEMP"] = RunnerTemp;
        environment["REPORT_DIR"] = ReportDir;
        environment["SECMLOPS_GATE"] = Tool;
        environment["PATH"] = $"{FakeBin}:{System.Environment.GetEnvironmentVariable("PATH")}";
        foreach (var (key, value) in Environment) environment[key] = value;
        return ProcessRunner.Run("bash", [Path.Combine(RepositoryLayout.Root, "action", script)], workspace, environment, timeoutSeconds: 900);
    }

    /// <summary>The outputs the last step wrote.</summary>
    public IReadOnlyDictionary<string, string> Outputs() =>
        File.ReadAllLines(LastOutputFile!).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
