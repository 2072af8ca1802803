using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.EndToEnd;

/// <summary>Runs action/run-gate.sh as the GitHub runner would, with its environment variables set.</summary>
internal sealed class ActionScript : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "secmlops-action-" + Guid.NewGuid().ToString("N"));

    public ActionScript() => Directory.CreateDirectory(_folder);

    public string OutputFile => Path.Combine(_folder, "github-output");
    public string SummaryFile => Path.Combine(_folder, "step-summary.md");
    public string SarifFile => Path.Combine(_folder, "action.sarif");

    public ProcessResult Run(string policy, string failOn = "violation", bool prebuiltCli = true)
    {
        var environment = new Dictionary<string, string>
        {
            ["GITHUB_WORKSPACE"] = RepositoryLayout.Root,
            ["GITHUB_OUTPUT"] = OutputFile,
            ["GITHUB_STEP_SUMMARY"] = SummaryFile,
            ["INPUT_POLICY"] = policy,
            ["INPUT_SARIF_FILE"] = SarifFile,
            ["INPUT_FAIL_ON"] = failOn,
            ["INPUT_TORCH_BACKEND"] = "cpu",
        };
        if (prebuiltCli)
            environment["SECMLOPS_GATE_CLI"] = RepositoryLayout.CliDll;
        return ProcessRunner.Run("bash", [Path.Combine(RepositoryLayout.Root, "action", "run-gate.sh")], RepositoryLayout.Root, environment);
    }

    public IReadOnlyDictionary<string, string> Outputs() =>
        File.ReadAllLines(OutputFile).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
