using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Policies;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Policies;

public sealed class PolicyLoaderTests
{
    /// <summary>Loads a policy beside a valid threat model (the stride rules read it when the policy loads).</summary>
    private static PolicyLoadResult Load(ScratchRepository repo, string policy, string name = "policy.yaml")
    {
        repo.Write("threat-model.yaml", Support.Policies.ThreatModel(Support.Policies.AssessedEntity));
        var path = repo.Write(name, policy);
        return new PolicyLoader(repo.Root, BuiltInGates.Registry, Support.Policies.Today).Load(path);
    }

    [Fact]
    public void A_valid_policy_loads_with_its_rules()
    {
        using var repo = new ScratchRepository();
        var result = Load(repo, Support.Policies.StridePolicy());
        Assert.Empty(result.Errors);
        var rule = Assert.Single(result.Policy!.Rules);
        Assert.Equal("STRIDE-1", rule.Id);
        Assert.Equal(Enforcement.HardMandatory, rule.Enforcement);
        Assert.Equal(new SourceLocation("policy.yaml", 9, 7), rule.Location);
    }

    [Fact]
    public void An_unknown_key_is_reported_at_its_line_with_the_allowed_keys()
    {
        using var repo = new ScratchRepository();
        var policy = Support.Policies.StridePolicy().Replace("      severity: high\n", "      severity: high\n      severty: low\n");
        var error = Assert.Single(Load(repo, policy).Errors);
        Assert.Equal(EngineRules.SchemaViolation.Id, error.RuleId);
        Assert.Equal(13, error.Locations[0].Line);
        Assert.Contains("unknown key 'severty'", error.Message);
        Assert.Contains("allowed: id, kind, enforcement, severity", error.Message);
    }

    [Fact]
    public void An_unknown_key_in_a_gates_settings_is_reported_at_its_line()
    {
        using var repo = new ScratchRepository();
        var error = Assert.Single(Load(repo, Support.Policies.StridePolicy(settings: "        maxAge: 3")).Errors);
        Assert.Contains("unknown key 'maxAge'", error.Message);
        Assert.Equal(15, error.Locations[0].Line);
    }

    [Theory]
    [InlineData("      severity: high\n", "      severity: 7\n", "must be one of low, medium, high, critical")]
    [InlineData("  version: 1.0.0\n", "  version: 1.0\n", "must be a string")]
    [InlineData("  owners: [security-team]\n", "", "missing required key 'owners'")]
    [InlineData("kind: GatePolicy\n", "kind: Policy\n", "must be one of GatePolicy")]
    public void Schema_violations_name_what_is_wrong(string original, string replacement, string expected)
    {
        using var repo = new ScratchRepository();
        var errors = Load(repo, Support.Policies.StridePolicy().Replace(original, replacement)).Errors;
        Assert.Contains(errors, e => e.Message.Contains(expected) && e.Locations[0].Line > 0);
        Assert.All(errors, e => Assert.Equal(Outcome.Error, e.Outcome));
    }

    [Fact]
    public void A_path_that_leaves_the_repository_is_refused_at_its_line()
    {
        using var repo = new ScratchRepository();
        var error = Assert.Single(Load(repo, Support.Policies.StridePolicy(threatModel: "../../etc/passwd")).Errors);
        Assert.Equal(EngineRules.PathRefused.Id, error.RuleId);
        Assert.Equal(14, error.Locations[0].Line);
    }

    [Fact]
    public void An_absolute_path_is_refused()
    {
        using var repo = new ScratchRepository();
        var error = Assert.Single(Load(repo, Support.Policies.StridePolicy(threatModel: repo.Full("threat-model.yaml"))).Errors);
        Assert.Equal(EngineRules.PathRefused.Id, error.RuleId);
        Assert.Contains("absolute", error.Message);
    }

    [Fact]
    public void A_symbolic_link_out_of_the_repository_is_refused()
    {
        using var repo = new ScratchRepository();
        using var outside = new ScratchRepository();
        outside.Write("threat-model.yaml", "secret: 1\n");
        Directory.CreateSymbolicLink(repo.Full("linked"), outside.Path);
        var error = Assert.Single(Load(repo, Support.Policies.StridePolicy(threatModel: "linked/threat-model.yaml")).Errors);
        Assert.Equal(EngineRules.PathRefused.Id, error.RuleId);
    }

    [Fact]
    public void Duplicate_rule_ids_are_an_error()
    {
        using var repo = new ScratchRepository();
        var second = "    - id: STRIDE-1\n      kind: stride-coverage\n      enforcement: advisory\n      severity: low\n      settings: {threatModel: threat-model.yaml}";
        var error = Assert.Single(Load(repo, Support.Policies.StridePolicy(rules: second)).Errors);
        Assert.Equal(EngineRules.PolicyInconsistent.Id, error.RuleId);
        Assert.Contains("declared more than once", error.Message);
    }

    [Fact]
    public void A_rule_id_declared_in_two_policies_is_an_error_in_evaluate_and_in_validate()
    {
        using var repo = new ScratchRepository();
        repo.Write("threat-model.yaml", Support.Policies.ThreatModel(Support.Policies.AssessedEntity));
        var first = repo.Write("a.yaml", Support.Policies.StridePolicy());
        var second = repo.Write("b.yaml", Support.Policies.StridePolicy());
        var report = new GateEngine(BuiltInGates.Registry).Evaluate(new EvaluationRequest([first, second], repo.Root, Support.Policies.Today));
        var error = Assert.Single(report.Findings, f => f.Finding.RuleId == EngineRules.PolicyInconsistent.Id);
        Assert.Equal(("rule id STRIDE-1 is also declared in a.yaml; rule ids must be unique across evaluated policies", "b.yaml"), (error.Finding.Message, error.Finding.Locations[0].Path));
        Assert.Equal(Verdict.Error, report.Verdict);

        var validator = new DocumentValidator(repo.Root, BuiltInGates.Registry, Support.Policies.Today);
        Assert.Empty(validator.Validate(new DiscoveredDocument(first, GateRegistry.GatePolicyKind)));
        Assert.Equal(error.Finding.Message, Assert.Single(validator.Validate(new DiscoveredDocument(second, GateRegistry.GatePolicyKind))).Message);
    }

    [Fact]
    public void A_waiver_for_a_hard_mandatory_rule_is_an_error()
    {
        using var repo = new ScratchRepository();
        var waiver = "  waivers:\n    - {rule: STRIDE-1, owner: alice, reason: migration, expires: 2027-01-31}";
        var error = Assert.Single(Load(repo, Support.Policies.StridePolicy(waivers: waiver)).Errors);
        Assert.Contains("hard-mandatory and cannot be waived", error.Message);
    }

    [Fact]
    public void An_expired_waiver_is_an_error_at_its_expiry()
    {
        using var repo = new ScratchRepository();
        var waiver = "  waivers:\n    - rule: STRIDE-1\n      owner: alice\n      reason: migration\n      expires: 2026-11-21";
        var error = Assert.Single(Load(repo, Support.Policies.StridePolicy(waivers: waiver, enforcement: "soft-mandatory")).Errors);
        Assert.Equal(EngineRules.WaiverExpired.Id, error.RuleId);
        Assert.Equal(21, error.Locations[0].Line);
    }

    [Fact]
    public void A_waiver_without_an_owner_is_a_schema_error()
    {
        using var repo = new ScratchRepository();
        var waiver = "  waivers:\n    - {rule: STRIDE-1, reason: migration, expires: 2027-01-31}";
        var error = Assert.Single(Load(repo, Support.Policies.StridePolicy(waivers: waiver, enforcement: "soft-mandatory")).Errors);
        Assert.Contains("missing required key 'owner'", error.Message);
    }

    [Fact]
    public void A_waiver_for_an_undeclared_rule_is_an_error()
    {
        using var repo = new ScratchRepository();
        var waiver = "  waivers:\n    - {rule: NOPE-1, owner: alice, reason: x, expires: 2027-01-31}";
        var error = Assert.Single(Load(repo, Support.Policies.StridePolicy(waivers: waiver, enforcement: "soft-mandatory")).Errors);
        Assert.Contains("does not declare", error.Message);
    }

    [Fact]
    public void Every_policy_in_the_repository_is_valid()
    {
        var root = RepositoryRoot.At(RepositoryLayout.Root);
        var (documents, errors) = new DocumentDiscovery(SecMLOps.Gates.Cli.BuiltInGates.Registry).Discover([Path.Combine(RepositoryLayout.Root, "policies")], root);
        Assert.Empty(errors);
        Assert.NotEmpty(documents);
        var validator = new DocumentValidator(root, BuiltInGates.Registry, Support.Policies.Today);
        Assert.All(documents, d => Assert.Empty(validator.Validate(d)));
    }
}
