using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Cli;

/// <summary>The command line in process: parsing, exit codes and printed diagnostics.</summary>
public sealed class CommandLineTests
{
    private static (int Code, string Output) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = GateCommandLine.Run(args, output, error);
        return (code, output.ToString() + error);
    }

    [Fact]
    public void Validate_prints_the_file_and_line_of_an_unknown_key_and_exits_2()
    {
        using var repo = new ScratchRepository();
        var path = repo.Write("policy.yaml", Support.Policies.StridePolicy().Replace("  owners: [security-team]\n", "  owners: [security-team]\n  reviewer: bob\n"));
        var (code, output) = Run("validate", path, "--repo-root", repo.Path);
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains("policy.yaml:7:3: error SMG0002: unknown key 'reviewer'", output);
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("evaluate")]
    public async Task A_fifo_where_a_file_belongs_is_refused_at_once_never_waited_on(string command)
    {
        using var repo = new ScratchRepository();
        repo.Write("policy.yaml", Support.Policies.StridePolicy());
        var made = ProcessRunner.Run("mkfifo", [repo.Full("threat-model.yaml"), repo.Full("other.yaml")], repo.Path);
        Assert.True(made.ExitCode == 0, made.All);
        // The named policy names the FIFO; the folder scan meets another: neither may block the run.
        var run = Task.Run(() => Run(command, repo.Full("policy.yaml"), repo.Path, "--repo-root", repo.Path, "--as-of", "2026-11-22"));
        var (code, output) = await run.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains("is a FIFO (named pipe), not a file", output);
        Assert.Contains("other.yaml", output);
    }

    [Fact]
    public void Validate_accepts_a_valid_policy_and_threat_model()
    {
        using var repo = new ScratchRepository();
        repo.Write("threat-model.yaml", Support.Policies.ThreatModel(Support.Policies.AssessedEntity));
        repo.Write("policy.yaml", Support.Policies.StridePolicy());
        var (code, output) = Run("validate", repo.Path, "--repo-root", repo.Path);
        Assert.Equal(ExitCodes.Passed, code);
        Assert.Contains("policy.yaml: valid GatePolicy", output);
        Assert.Contains("threat-model.yaml: valid ThreatModel", output);
    }

    [Fact]
    public void A_policy_outside_the_repository_exits_2()
    {
        using var repo = new ScratchRepository();
        using var elsewhere = new ScratchRepository();
        var path = elsewhere.Write("policy.yaml", Support.Policies.StridePolicy());
        var (code, output) = Run("validate", path, "--repo-root", repo.Path);
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains("SMG0004", output);
    }

    [Fact]
    public void Evaluate_exit_codes_are_0_pass_1_violation_2_error()
    {
        using var repo = new ScratchRepository();
        repo.Write("threat-model.yaml", Support.Policies.ThreatModel(Support.Policies.AssessedEntity));
        var passing = repo.Write("pass.yaml", Support.Policies.StridePolicy());
        repo.Write("high.yaml", Support.Policies.ThreatModel(Support.Policies.AssessedEntity.Replace("likelihood: L", "likelihood: H")));
        var failing = repo.Write("fail.yaml", Support.Policies.StridePolicy("high.yaml").Replace("id: STRIDE-1", "id: STRIDE-2"));
        var broken = repo.Write("broken.yaml", Support.Policies.StridePolicy("missing.yaml").Replace("id: STRIDE-1", "id: STRIDE-3"));
        Assert.Equal(ExitCodes.Passed, Run("evaluate", passing, "--repo-root", repo.Path).Code);
        Assert.Equal(ExitCodes.PolicyViolated, Run("evaluate", failing, "--repo-root", repo.Path).Code);
        Assert.Equal(ExitCodes.InputError, Run("evaluate", broken, "--repo-root", repo.Path).Code);
    }

    [FixtureFact]
    public void Evaluate_writes_every_report_even_when_the_policy_is_violated()
    {
        using var repo = new ScratchRepository();
        repo.Write("high.yaml", Support.Policies.ThreatModel(Support.Policies.AssessedEntity.Replace("likelihood: L", "likelihood: H")));
        var policy = repo.Write("policy.yaml", Support.Policies.StridePolicy("high.yaml"));
        var (code, output) = Run("evaluate", policy, "--repo-root", repo.Path,
            "--sarif", repo.Full("out/r.sarif"), "--json", repo.Full("out/r.json"), "--summary", repo.Full("out/r.md"));
        Assert.Equal(ExitCodes.PolicyViolated, code);
        Assert.Contains("high.yaml:9:7: error STRIDE-1: EE-1 (User, external entity): Spoofing", output);
        SarifSchema.AssertValid(File.ReadAllText(repo.Full("out/r.sarif")));
        Assert.Contains("\"verdict\": \"fail\"", File.ReadAllText(repo.Full("out/r.json")));
        Assert.Contains("SecMLOps gate: fail", File.ReadAllText(repo.Full("out/r.md")));
        Assert.Equal(["r.json", "r.md", "r.sarif"], Directory.GetFiles(repo.Full("out")).Select(Path.GetFileName).Order());
    }

    [Theory]
    [InlineData("evaluate")]
    [InlineData("frobnicate", "x")]
    [InlineData("evaluate", "p.yaml", "--as-of", "tomorrow")]
    [InlineData("evaluate", "p.yaml", "--sarif")]
    public void Usage_errors_exit_2(params string[] args) => Assert.Equal(ExitCodes.InputError, Run(args).Code);

    [Fact]
    public void Version_and_help_exit_0()
    {
        var (code, output) = Run("--version");
        Assert.Equal(0, code);
        Assert.Matches(@"^\d+\.\d+\.\d+", output);
        var help = Run("evaluate", "--help");
        Assert.Equal(0, help.Code);
        Assert.Contains("--sarif", help.Output);
    }
}
