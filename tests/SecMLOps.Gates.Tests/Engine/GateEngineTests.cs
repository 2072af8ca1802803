using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Reporting.Sarif;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Engine;

public sealed class GateEngineTests
{
    private const string RobustnessPolicy = """
        apiVersion: secmlops.gates/v1
        kind: GatePolicy
        metadata: {name: p, version: 1.0.0, owners: [team]}
        spec:
          rules:
            - id: ROB-1
              kind: provenance
              enforcement: ENFORCEMENT
              severity: high
        WAIVERS
        """;

    private static EvaluationReport Evaluate(ScratchRepository repo, GateRegistry gates, string enforcement = "hard-mandatory", string waivers = "")
    {
        var path = repo.Write("policy.yaml", RobustnessPolicy.Replace("ENFORCEMENT", enforcement).Replace("WAIVERS", waivers));
        return new GateEngine(gates).Evaluate(new EvaluationRequest([path], repo.Root, Support.Policies.Today));
    }

    private static GateRegistry Failing(Outcome outcome = Outcome.Failed) => new([new ScriptedGate("provenance",
        c => [new Finding(c.Rule.Id, outcome, "model.onnx/fgsm", "robust accuracy 0.41 < 0.80 x clean", [c.RuleLocation])])]);

    [Fact]
    public void The_policy_model_and_datasets_are_inputs_with_their_digests_even_when_the_gate_records_nothing()
    {
        using var repo = new ScratchRepository();
        var model = repo.Write("models/model.onnx", "model bytes");
        repo.Write("data/eval.csv", "0.5,1\n");
        var path = repo.Write("policy.yaml", """
            apiVersion: secmlops.gates/v1
            kind: GatePolicy
            metadata: {name: p, version: 1.0.0, owners: [team]}
            spec:
              model: {path: models/model.onnx, format: onnx, inputShape: [1]}
              datasets:
                evaluation: {path: data/eval.csv, format: csv}
              rules:
                - id: ROB-1
                  kind: provenance
                  enforcement: hard-mandatory
                  severity: high
            """);
        var gates = new GateRegistry([new ScriptedGate("provenance", c => [Finding.Passed(c.Rule.Id, "s", "ok", c.RuleLocation)])]);
        var report = new GateEngine(gates).Evaluate(new EvaluationRequest([path], repo.Root, Support.Policies.Today));

        Assert.Equal(Verdict.Passed, report.Verdict);
        Assert.Equal(new InputFile("models/model.onnx", SecMLOps.Gates.Data.FileDigest.Sha256(model), "model"), report.Inputs.Single(i => i.Path == "models/model.onnx"));
        Assert.Equal("dataset evaluation", report.Inputs.Single(i => i.Path == "data/eval.csv").Role);
        Assert.Equal("policy", report.Inputs.Single(i => i.Path == "policy.yaml").Role);
        var markdown = SecMLOps.Gates.Reporting.MarkdownSummaryWriter.ToMarkdown(report);
        Assert.Contains($"Model: `models/model.onnx`, sha256 `{SecMLOps.Gates.Data.FileDigest.Sha256(model)}`", markdown);
    }

    [Fact]
    public void A_rule_kind_without_a_gate_is_an_error_never_a_pass()
    {
        using var repo = new ScratchRepository();
        var report = Evaluate(repo, new GateRegistry([]));
        var finding = Assert.Single(report.Findings);
        Assert.Equal(EngineRules.GateUnavailable.Id, finding.Rule.Id);
        Assert.Equal(Verdict.Error, report.Verdict);
        Assert.Equal(ExitCodes.InputError, report.ExitCode);
    }

    [Fact]
    public void A_crashing_gate_is_an_error_result()
    {
        using var repo = new ScratchRepository();
        var report = Evaluate(repo, new GateRegistry([new ScriptedGate("provenance", _ => throw new InvalidDataException("bad tensor"))]));
        var finding = Assert.Single(report.Findings);
        Assert.Equal(EngineRules.GateCrashed.Id, finding.Rule.Id);
        Assert.Contains("bad tensor", finding.Finding.Message);
        Assert.Equal(Verdict.InternalError, report.Verdict);
        Assert.Equal(ExitCodes.InternalError, report.ExitCode);
    }

    [Theory]
    [InlineData(Outcome.Skipped)]
    [InlineData(Outcome.Informational)]
    public void A_rule_whose_every_check_was_skipped_decided_nothing_and_is_an_error(Outcome outcome)
    {
        using var repo = new ScratchRepository();
        var report = Evaluate(repo, Failing(outcome));
        Assert.Contains(report.Findings, f => f.Rule.Id == EngineRules.InputMissing.Id && f.Finding.Message.Contains("decided nothing"));
        Assert.Equal(Verdict.Error, report.Verdict);
    }

    [Fact]
    public void A_gate_that_checks_nothing_is_an_error()
    {
        using var repo = new ScratchRepository();
        var report = Evaluate(repo, new GateRegistry([new ScriptedGate("provenance", _ => [])]));
        Assert.Equal(EngineRules.GateCrashed.Id, Assert.Single(report.Findings).Rule.Id);
        Assert.Equal(Verdict.InternalError, report.Verdict);
    }

    [Theory]
    [InlineData("hard-mandatory", Verdict.Failed, "error")]
    [InlineData("soft-mandatory", Verdict.Failed, "error")]
    [InlineData("advisory", Verdict.Passed, "warning")]
    public void Enforcement_decides_whether_a_failure_blocks(string enforcement, Verdict verdict, string level)
    {
        using var repo = new ScratchRepository();
        var report = Evaluate(repo, Failing(), enforcement);
        Assert.Equal(verdict, report.Verdict);
        Assert.Equal(level, Assert.Single(report.Findings).Level);
    }

    [FixtureFact]
    public void A_waiver_suppresses_a_soft_mandatory_failure_with_its_justification()
    {
        using var repo = new ScratchRepository();
        var waiver = "  waivers:\n    - {rule: ROB-1, owner: alice, reason: retraining in progress, ticket: SEC-42, expires: 2027-01-31}";
        var report = Evaluate(repo, Failing(), "soft-mandatory", waiver);
        Assert.Equal(Verdict.Passed, report.Verdict);
        var finding = Assert.Single(report.Findings);
        Assert.True(finding.IsWaived);
        var suppression = Assert.Single(SarifReportWriter.Build(report).Runs[0].Results[0].Suppressions!);
        Assert.Equal("accepted", suppression.Status);
        Assert.Contains("alice", suppression.Justification);
        Assert.Contains("SEC-42", suppression.Justification);
        Assert.Equal("note", SarifReportWriter.Build(report).Runs[0].Results[0].Level);
        SarifSchema.AssertValid(SarifReportWriter.ToJson(report));
    }

    [Fact]
    public void A_waiver_does_not_hide_an_error()
    {
        using var repo = new ScratchRepository();
        var waiver = "  waivers:\n    - {rule: ROB-1, owner: alice, reason: x, expires: 2027-01-31}";
        var report = Evaluate(repo, Failing(Outcome.Error), "soft-mandatory", waiver);
        Assert.Equal(Verdict.Error, report.Verdict);
    }

    [Fact]
    public void Rule_ids_must_be_unique_across_policies()
    {
        using var repo = new ScratchRepository();
        var text = RobustnessPolicy.Replace("ENFORCEMENT", "advisory").Replace("WAIVERS", "");
        var first = repo.Write("a.yaml", text);
        var second = repo.Write("b.yaml", text.Replace("name: p,", "name: q,"));
        var report = new GateEngine(Failing()).Evaluate(new EvaluationRequest([first, second], repo.Root, Support.Policies.Today));
        Assert.Contains(report.Findings, f => f.Rule.Id == EngineRules.PolicyInconsistent.Id && f.Finding.Locations[0].Path == "b.yaml");
    }

    [Fact]
    public void A_folder_is_searched_for_policies_and_other_files_are_left_out()
    {
        using var repo = new ScratchRepository();
        repo.Write("policies/p.yaml", RobustnessPolicy.Replace("ENFORCEMENT", "advisory").Replace("WAIVERS", ""));
        repo.Write("policies/schema/x.schema.json", "{\"type\": \"object\"}");
        repo.Write("policies/notes.yaml", "just: notes\n");
        var report = new GateEngine(Failing()).Evaluate(new EvaluationRequest([repo.Full("policies")], repo.Root, Support.Policies.Today));
        Assert.Equal("policies/p.yaml", Assert.Single(report.Policies).Path);
    }

    [Fact]
    public void No_policy_found_is_an_error()
    {
        using var repo = new ScratchRepository();
        Directory.CreateDirectory(repo.Full("empty"));
        var report = new GateEngine(Failing()).Evaluate(new EvaluationRequest([repo.Full("empty")], repo.Root, Support.Policies.Today));
        Assert.Equal(Verdict.Error, report.Verdict);
    }
}
