using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Cli;

/// <summary>
/// What teams reach for to live with findings: --fail-on by severity, --rule, a baseline of
/// accepted findings. Each must be unable to turn an error, a hard-mandatory failure or a misspelt
/// option into a pass.
/// </summary>
public sealed class TriageOptionsTests
{
    private static (int Code, string Output) Run(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var code = GateCommandLine.Run(args, output, error);
        return (code, output.ToString() + error);
    }

    /// <summary>A repository whose stride rule (severity given) fails: the entity's spoofing risk is high and has no control.</summary>
    private static (ScratchRepository Repo, string Policy) Failing(string severity = "high", string enforcement = "soft-mandatory", string extraRules = "")
    {
        var repo = new ScratchRepository();
        repo.Write("high.yaml", Support.Policies.ThreatModel(Support.Policies.AssessedEntity.Replace("likelihood: L", "likelihood: H")));
        repo.Write("threat-model.yaml", Support.Policies.ThreatModel(Support.Policies.AssessedEntity));
        var policy = repo.Write("policy.yaml", Support.Policies.StridePolicy("high.yaml", enforcement: enforcement, rules: extraRules).Replace("severity: high", $"severity: {severity}"));
        return (repo, policy);
    }

    [Theory]
    [InlineData("medium", "low", ExitCodes.PolicyViolated)]
    [InlineData("medium", "medium", ExitCodes.PolicyViolated)]
    [InlineData("medium", "high", ExitCodes.Passed)]
    [InlineData("critical", "critical", ExitCodes.PolicyViolated)]
    public void Fail_on_blocks_failures_of_rules_at_or_above_the_severity(string ruleSeverity, string failOn, int expected)
    {
        var (repo, policy) = Failing(ruleSeverity, "hard-mandatory");
        using var _ = repo;
        var (code, output) = Run("evaluate", policy, "--repo-root", repo.Path, "--fail-on", failOn, "--json", repo.Full("out.json"));
        Assert.True(code == expected, output);
        var finding = JObject.Parse(File.ReadAllText(repo.Full("out.json")))["findings"]!.First(f => (string)f["outcome"]! == "failed");
        Assert.Equal(expected == ExitCodes.Passed ? "warning" : "error", (string)finding["level"]!);
    }

    [Fact]
    public void Fail_on_never_turns_an_error_into_a_pass()
    {
        using var repo = new ScratchRepository();
        var policy = repo.Write("policy.yaml", Support.Policies.StridePolicy("missing.yaml"));
        Assert.Equal(ExitCodes.InputError, Run("evaluate", policy, "--repo-root", repo.Path, "--fail-on", "critical").Code);
    }

    [Fact]
    public void Fail_on_refuses_an_unknown_severity()
    {
        var (repo, policy) = Failing();
        using var _ = repo;
        var (code, output) = Run("evaluate", policy, "--repo-root", repo.Path, "--fail-on", "severe");
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains("severe", output);
    }

    [Fact]
    public void Rule_runs_only_the_named_rules_and_a_misspelt_one_is_an_error()
    {
        const string passingRule = """
                - id: STRIDE-OK
                  kind: stride-coverage
                  enforcement: hard-mandatory
                  severity: high
                  settings:
                    threatModel: threat-model.yaml
            """;
        var (repo, policy) = Failing(extraRules: passingRule);
        using var _ = repo;
        Assert.Equal(ExitCodes.PolicyViolated, Run("evaluate", policy, "--repo-root", repo.Path).Code);
        Assert.Equal(ExitCodes.Passed, Run("evaluate", policy, "--repo-root", repo.Path, "--rule", "STRIDE-OK").Code);
        var (code, output) = Run("evaluate", policy, "--repo-root", repo.Path, "--rule", "STRIDE-0K");
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains("--rule STRIDE-0K: no rule with this id", output);
    }

    [Fact]
    public void A_baseline_accepts_the_findings_it_lists_until_they_expire_and_reports_them_as_notes()
    {
        var (repo, policy) = Failing();
        using var _ = repo;
        var baseline = repo.Full("accepted.yaml");
        var (written, writeOutput) = Run("baseline", policy, "--repo-root", repo.Path, "--as-of", "2026-11-22", "-o", baseline,
            "--owner", "ml-platform", "--reason", "compensating control under review", "--expires", "2027-01-31");
        Assert.True(written == ExitCodes.Passed, writeOutput);
        Assert.Contains("2 accepted finding(s)", writeOutput);

        var (code, output) = Run("evaluate", policy, "--repo-root", repo.Path, "--as-of", "2026-11-22", "--baseline", baseline, "--sarif", repo.Full("out.sarif"));
        Assert.True(code == ExitCodes.Passed, output);
        Assert.Contains("accepted STRIDE-1", output);
        var sarif = File.ReadAllText(repo.Full("out.sarif"));
        SarifSchema.AssertValid(sarif);
        var results = JObject.Parse(sarif)["runs"]![0]!["results"]!;
        Assert.Equal(2, results.Count());
        Assert.All(results, result =>
        {
            Assert.Equal("note", (string)result["level"]!);
            Assert.Contains("Accepted in baseline accepted.yaml by ml-platform until 2027-01-31", (string)result["suppressions"]![0]!["justification"]!);
        });

        var (expired, expiredOutput) = Run("evaluate", policy, "--repo-root", repo.Path, "--as-of", "2027-02-01", "--baseline", baseline);
        Assert.Equal(ExitCodes.InputError, expired);
        Assert.Contains("accepted.yaml:", expiredOutput);
        Assert.Contains("SMG0008", expiredOutput);
    }

    [Fact]
    public void A_baseline_accepts_only_the_failure_it_recorded_not_a_worse_one_of_the_same_subject()
    {
        var (repo, policy) = Failing();
        using var _ = repo;
        var baseline = repo.Full("accepted.yaml");
        Assert.Equal(ExitCodes.Passed, Run("baseline", policy, "--repo-root", repo.Path, "--as-of", "2026-11-22", "-o", baseline,
            "--owner", "ml-platform", "--reason", "compensating control under review", "--expires", "2027-01-31").Code);
        Assert.Contains("message: ", File.ReadAllText(baseline));

        var model = File.ReadAllText(repo.Full("high.yaml"));
        var worse = model.Replace("{category: S, likelihood: H, impact: low,", "{category: S, likelihood: H, impact: severe,");
        Assert.NotEqual(model, worse);
        repo.Write("high.yaml", worse);
        var (code, output) = Run("evaluate", policy, "--repo-root", repo.Path, "--as-of", "2026-11-22", "--baseline", baseline);
        Assert.True(code == ExitCodes.PolicyViolated, output);
        Assert.Contains("error STRIDE-1: EE-1 (User, external entity): Spoofing: likelihood H, impact severe", output);
        Assert.Contains("accepted STRIDE-1: EE-1 (User, external entity): Repudiation", output);
    }

    [Theory]
    [InlineData("owner: \"ml-platform\"", "owner: \" \"")]
    [InlineData("reason: \"compensating control under review\"", "reason: \"\\t\"")]
    public void A_baseline_entry_with_a_blank_owner_or_reason_is_an_error(string from, string to)
    {
        var (repo, policy) = Failing();
        using var _ = repo;
        var baseline = repo.Full("accepted.yaml");
        Run("baseline", policy, "--repo-root", repo.Path, "--as-of", "2026-11-22", "-o", baseline,
            "--owner", "ml-platform", "--reason", "compensating control under review", "--expires", "2027-01-31");
        var text = File.ReadAllText(baseline);
        Assert.Contains(from, text);
        File.WriteAllText(baseline, text.Replace(from, to));
        var (code, output) = Run("evaluate", policy, "--repo-root", repo.Path, "--as-of", "2026-11-22", "--baseline", baseline);
        Assert.Equal(ExitCodes.InputError, code);
        Assert.Contains("SMG0002", output);
    }

    [Fact]
    public void A_baseline_never_accepts_a_hard_mandatory_failure()
    {
        var (repo, policy) = Failing(enforcement: "hard-mandatory");
        using var _ = repo;
        var baseline = repo.Full("accepted.yaml");
        var (written, writeOutput) = Run("baseline", policy, "--repo-root", repo.Path, "-o", baseline, "--owner", "o", "--reason", "r", "--expires", "2099-01-01");
        Assert.Equal(ExitCodes.Passed, written);
        Assert.Contains("not accepted (hard-mandatory)", writeOutput);

        // Even an entry written by hand for the finding leaves it blocking.
        var soft = Failing();
        using (soft.Repo)
        {
            var handWritten = soft.Repo.Full("accepted.yaml");
            Run("baseline", soft.Policy, "--repo-root", soft.Repo.Path, "-o", handWritten, "--owner", "o", "--reason", "r", "--expires", "2099-01-01");
            repo.Write("accepted.yaml", File.ReadAllText(handWritten));
        }
        Assert.Equal(ExitCodes.PolicyViolated, Run("evaluate", policy, "--repo-root", repo.Path, "--baseline", baseline).Code);
    }

    [Theory]
    [InlineData("fingerprint: ", "fingerprint: ZEROS #", "SMG0003")]
    [InlineData("subject: \"", "subject: \"other ", "SMG0003")]
    [InlineData("owner:", "ownr:", "SMG0002")]
    [InlineData("kind: GateBaseline", "kind: GatePolicy", "SMG0002")]
    public void A_baseline_entry_that_does_not_hold_together_is_an_error(string from, string to, string code)
    {
        var (repo, policy) = Failing();
        using var _ = repo;
        var baseline = repo.Full("accepted.yaml");
        Run("baseline", policy, "--repo-root", repo.Path, "-o", baseline, "--owner", "o", "--reason", "r", "--expires", "2099-01-01");
        var text = File.ReadAllText(baseline);
        var at = text.IndexOf(from, StringComparison.Ordinal);
        File.WriteAllText(baseline, text[..at] + to.Replace("ZEROS", new string('f', 64)) + text[(at + from.Length)..]);
        var (exit, output) = Run("evaluate", policy, "--repo-root", repo.Path, "--baseline", baseline);
        Assert.Equal(ExitCodes.InputError, exit);
        Assert.Contains(code, output);
    }

    [Fact]
    public void A_baseline_outside_the_repository_or_missing_is_an_error()
    {
        var (repo, policy) = Failing();
        using var _ = repo;
        using var elsewhere = new ScratchRepository();
        var outside = elsewhere.Write("accepted.yaml", "apiVersion: secmlops.gates/v1\nkind: GateBaseline\nmetadata: {name: x}\nspec: {accepted: []}\n");
        Assert.Contains("SMG0004", Run("evaluate", policy, "--repo-root", repo.Path, "--baseline", outside).Output);
        Assert.Contains("SMG0005", Run("evaluate", policy, "--repo-root", repo.Path, "--baseline", repo.Full("nope.yaml")).Output);
    }

    [Fact]
    public void Validate_checks_a_baseline_and_schema_prints_its_schema()
    {
        var (repo, policy) = Failing();
        using var _ = repo;
        var baseline = repo.Full("baselines/accepted.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(baseline)!);
        Run("baseline", policy, "--repo-root", repo.Path, "-o", baseline, "--owner", "o", "--reason", "r", "--expires", "2099-01-01");
        var (code, output) = Run("validate", baseline, "--repo-root", repo.Path);
        Assert.True(code == ExitCodes.Passed, output);
        Assert.Contains("valid GateBaseline", output);

        var (schemaCode, schema) = Run("schema", "baseline");
        Assert.Equal(ExitCodes.Passed, schemaCode);
        Assert.Equal(File.ReadAllText(Path.Combine(RepositoryLayout.Root, "policies", "schema", "gate-baseline.v1.schema.json")), schema);
    }
}
