using System.Security.Cryptography;
using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Cli;

/// <summary>
/// Every command that writes a file refuses to write it onto one of its inputs, into .git or onto a
/// folder, also when the path goes through a linked folder; the commands whose files are reports
/// also refuse tracked files. A refused file is never written and the command exits 2.
/// </summary>
public sealed class OutputRefusalTests : IDisposable
{
    private readonly ScratchGitRepository _repo = new();

    public OutputRefusalTests()
    {
        _repo.Write("threat-model.yaml", Support.Policies.ThreatModel(Support.Policies.AssessedEntity));
        _repo.Write("other-model.yaml", Support.Policies.ThreatModel(Support.Policies.AssessedEntity));
        _repo.Write("policy.yaml", Support.Policies.StridePolicy(rules: "    - id: STRIDE-2\n      kind: stride-coverage\n      enforcement: soft-mandatory\n      severity: high\n      settings:\n        threatModel: other-model.yaml"));
        _repo.Write("evidence.md", "tracked evidence");
        _repo.Write(".gitignore", "reports/\n");
        _repo.Commit("base");
        File.CreateSymbolicLink(_repo.FullPath("alias"), ".");
    }

    public void Dispose() => _repo.Dispose();

    private (int Code, string Output) Run(params string[] args)
    {
        var output = new StringWriter();
        var code = GateCommandLine.Run(args, output, output);
        return (code, output.ToString());
    }

    private Dictionary<string, string> Snapshot() =>
        Directory.EnumerateFiles(_repo.Path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}alias{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(_repo.Path, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    private void AssertRefusedAndNothingWritten(params string[] args)
    {
        var before = Snapshot();
        var (code, output) = Run(args);
        Assert.True(code == ExitCodes.InputError, $"exit {code}:\n{output}");
        Assert.Equal(before, Snapshot());
    }

    private string[] Baseline(string output, params string[] more) =>
        ["baseline", _repo.FullPath("policy.yaml"), "-o", output, "--owner", "ml-lead", "--reason", "tracked in SEC-1", "--expires", "2026-12-31",
            "--as-of", "2026-11-22", "--repo-root", _repo.Path, .. more];

    [Theory]
    [InlineData("--sarif")]
    [InlineData("--json")]
    [InlineData("--summary")]
    public void An_evaluation_report_through_a_linked_folder_onto_an_input_is_refused(string option) =>
        AssertRefusedAndNothingWritten("evaluate", _repo.FullPath("policy.yaml"), option, _repo.FullPath("alias/threat-model.yaml"),
            "--as-of", "2026-11-22", "--repo-root", _repo.Path);

    [Fact]
    public void An_evaluation_report_through_a_linked_folder_onto_an_untracked_input_is_refused()
    {
        _repo.Write("untracked-model.yaml", Support.Policies.ThreatModel(Support.Policies.AssessedEntity));
        _repo.Write("policy.yaml", File.ReadAllText(_repo.FullPath("policy.yaml")).Replace("threatModel: other-model.yaml", "threatModel: untracked-model.yaml"));
        AssertRefusedAndNothingWritten("evaluate", _repo.FullPath("policy.yaml"), "--sarif", _repo.FullPath("alias/untracked-model.yaml"),
            "--as-of", "2026-11-22", "--repo-root", _repo.Path);
    }

    [Theory]
    [InlineData(".git/hooks/pre-commit")]
    [InlineData("alias/.git/config")]
    [InlineData("evidence.md")]
    [InlineData("alias/policy.yaml")]
    [InlineData("other-model.yaml")]
    public void A_baseline_onto_git_a_tracked_file_or_an_input_is_refused(string target) =>
        AssertRefusedAndNothingWritten(Baseline(_repo.FullPath(target)));

    [Fact]
    public void A_baseline_onto_the_input_of_a_rule_left_out_by_rule_is_refused()
    {
        _repo.Write("untracked-model.yaml", Support.Policies.ThreatModel(Support.Policies.AssessedEntity));
        _repo.Write("policy.yaml", File.ReadAllText(_repo.FullPath("policy.yaml")).Replace("threatModel: other-model.yaml", "threatModel: untracked-model.yaml"));
        AssertRefusedAndNothingWritten(Baseline(_repo.FullPath("untracked-model.yaml"), "--rule", "STRIDE-1"));
    }

    [Theory]
    [InlineData(" ", "the reason")]
    [InlineData("ml-lead", " ")]
    public void A_baseline_with_a_blank_owner_or_reason_is_refused(string owner, string reason) =>
        AssertRefusedAndNothingWritten("baseline", _repo.FullPath("policy.yaml"), "-o", _repo.FullPath("reports/baseline.yaml"), "--owner", owner, "--reason", reason,
            "--expires", "2026-12-31", "--as-of", "2026-11-22", "--repo-root", _repo.Path);

    [Fact]
    public void A_committed_baseline_is_refreshed_in_place()
    {
        Assert.Equal(ExitCodes.Passed, Run(Baseline(_repo.FullPath("baseline.yaml"))).Code);
        _repo.Commit("baseline");
        var (code, output) = Run(Baseline(_repo.FullPath("baseline.yaml")));
        Assert.True(code == ExitCodes.Passed, output);
    }

    [Theory]
    [InlineData("threat-model.yaml")]
    [InlineData("alias/threat-model.yaml")]
    [InlineData(".git/matrix.md")]
    public void A_matrix_onto_its_threat_model_or_into_git_is_refused(string target) =>
        AssertRefusedAndNothingWritten("matrix", _repo.FullPath("threat-model.yaml"), "-o", _repo.FullPath(target), "--repo-root", _repo.Path);

    [Theory]
    [InlineData("--markdown", "alias/policy.yaml")]
    [InlineData("--sarif", "evidence.md")]
    [InlineData("--json", ".git/diff.json")]
    public void A_diff_report_onto_a_compared_policy_a_tracked_file_or_git_is_refused(string option, string target)
    {
        _repo.Write("policy.yaml", File.ReadAllText(_repo.FullPath("policy.yaml")).Replace("enforcement: soft-mandatory", "enforcement: advisory"));
        AssertRefusedAndNothingWritten("diff", "HEAD", option, _repo.FullPath(target), "--repo-root", _repo.Path);
    }

    [Fact]
    public void Attest_and_sign_refuse_to_write_onto_their_inputs()
    {
        _repo.Write("model.onnx", "model bytes");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _repo.Write("signer.pem", key.ExportPkcs8PrivateKeyPem());
        AssertRefusedAndNothingWritten("attest", "--model", _repo.FullPath("model.onnx"), "-o", _repo.FullPath("alias/model.onnx"));
        Assert.Equal(ExitCodes.Passed, Run("attest", "--model", _repo.FullPath("model.onnx"), "-o", _repo.FullPath("statement.json")).Code);
        AssertRefusedAndNothingWritten("sign", _repo.FullPath("statement.json"), "--key", _repo.FullPath("signer.pem"), "-o", _repo.FullPath("statement.json"));
        AssertRefusedAndNothingWritten("sign", _repo.FullPath("statement.json"), "--key", _repo.FullPath("signer.pem"), "-o", _repo.FullPath("alias/signer.pem"));
        AssertRefusedAndNothingWritten("sign", _repo.FullPath("statement.json"), "--key", _repo.FullPath("signer.pem"), "-o", _repo.FullPath(".git/hooks/post-merge"));
    }

    [Fact]
    public void Schema_and_rule_pages_may_regenerate_tracked_files_but_never_write_into_git()
    {
        AssertRefusedAndNothingWritten("schema", "-o", _repo.FullPath(".git/schema.json"));
        Assert.Equal(ExitCodes.Passed, Run("schema", "-o", _repo.FullPath("evidence.md")).Code);
    }
    [Fact]
    public void A_checkout_whose_git_config_names_a_program_never_gets_it_run()
    {
        var marker = Path.Combine(Path.GetTempPath(), "secmlops-fsmonitor-" + Guid.NewGuid().ToString("N"));
        _repo.Git("config", "core.fsmonitor", $"touch {marker}; false");
        _repo.Git("config", "core.pager", $"touch {marker}; cat");
        try
        {
            var (code, output) = Run("evaluate", _repo.FullPath("policy.yaml"), "--sarif", _repo.FullPath("reports/results.sarif"), "--as-of", "2026-11-22", "--repo-root", _repo.Path);
            Assert.True(code == ExitCodes.Passed, output);
            _repo.Write("policy.yaml", File.ReadAllText(_repo.FullPath("policy.yaml")).Replace("enforcement: soft-mandatory", "enforcement: hard-mandatory"));
            (code, output) = Run("diff", "HEAD", "--repo-root", _repo.Path);
            Assert.True(code == ExitCodes.Passed, output);
            Assert.False(File.Exists(marker), "git ran the command the repository's config names");
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public void When_git_cannot_list_the_tracked_files_every_report_in_the_repository_is_refused()
    {
        File.WriteAllBytes(_repo.FullPath(".git/index"), "DIRC but not an index"u8.ToArray());
        AssertRefusedAndNothingWritten("evaluate", _repo.FullPath("policy.yaml"), "--sarif", _repo.FullPath("evidence.md"), "--as-of", "2026-11-22", "--repo-root", _repo.Path);
        AssertRefusedAndNothingWritten("evaluate", _repo.FullPath("policy.yaml"), "--json", _repo.FullPath("reports/results.json"), "--as-of", "2026-11-22", "--repo-root", _repo.Path);
    }

    [RootFact]
    public void In_a_checkout_of_dubious_ownership_a_report_onto_a_tracked_file_is_refused()
    {
        var chown = ProcessRunner.Run("chown", ["-R", "65534:65534", _repo.Path], _repo.Path);
        Assert.True(chown.ExitCode == 0, chown.All);
        AssertRefusedAndNothingWritten("evaluate", _repo.FullPath("policy.yaml"), "--sarif", _repo.FullPath("evidence.md"), "--as-of", "2026-11-22", "--repo-root", _repo.Path);
    }
}
