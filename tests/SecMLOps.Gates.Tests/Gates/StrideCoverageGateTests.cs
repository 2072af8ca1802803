using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.StrideCoverage;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Gates;

public sealed class StrideCoverageGateTests
{
    private static EvaluationReport Evaluate(ScratchRepository repo, string threatModel, string policy = "", string threatModelName = "threat-model.yaml")
    {
        repo.Write(threatModelName, threatModel);
        var path = repo.Write("policy.yaml", policy.Length > 0 ? policy : Support.Policies.StridePolicy(threatModelName));
        return new GateEngine(BuiltInGates.Registry).Evaluate(new EvaluationRequest([path], repo.Root, Support.Policies.Today));
    }

    private static IEnumerable<ReportedFinding> Failures(EvaluationReport report) => report.Findings.Where(f => f.Outcome == Outcome.Failed);

    private static string Control(string id, string evidence) =>
        $"  controls:\n    - id: {id}\n      description: a control\n      evidence:\n        - {evidence}";

    [Fact]
    public void A_fully_assessed_low_risk_model_passes()
    {
        using var repo = new ScratchRepository();
        var report = Evaluate(repo, Support.Policies.ThreatModel(Support.Policies.AssessedEntity));
        Assert.Equal(Verdict.Passed, report.Verdict);
        Assert.Equal(2, report.Count(Outcome.Passed));
    }

    [Fact]
    public void An_unassessed_applicable_category_fails_at_the_element()
    {
        using var repo = new ScratchRepository();
        var model = Support.Policies.ThreatModel(Support.Policies.AssessedEntity.Replace("- {category: R, likelihood: L, impact: low, status: open, assessed: 2026-11-01}", ""));
        var failure = Assert.Single(Failures(Evaluate(repo, model)));
        Assert.Equal("threat-model.yaml#EE-1/R", failure.Finding.Subject);
        Assert.Contains("Repudiation is not assessed", failure.Finding.Message);
        Assert.Equal(new SourceLocation("threat-model.yaml", 9, 7), failure.Finding.Locations[0]);
    }

    [Fact]
    public void A_data_store_with_audit_logs_must_also_be_assessed_for_repudiation()
    {
        using var repo = new ScratchRepository();
        var store = """
                - id: DS-1
                  name: Registry
                  type: data-store
                  holdsAuditLogs: true
                  threats:
                    - {category: T, likelihood: L, impact: low, status: open, assessed: 2026-11-01}
                    - {category: I, likelihood: L, impact: low, status: open, assessed: 2026-11-01}
                    - {category: D, likelihood: L, impact: low, status: open, assessed: 2026-11-01}
            """;
        var failure = Assert.Single(Failures(Evaluate(repo, Support.Policies.ThreatModel(store))));
        Assert.Equal("threat-model.yaml#DS-1/R", failure.Finding.Subject);
        Assert.Equal(Verdict.Passed, Evaluate(repo, Support.Policies.ThreatModel(store.Replace("holdsAuditLogs: true", "holdsAuditLogs: false"))).Verdict);
    }

    [Fact]
    public void A_high_likelihood_pair_without_a_control_fails_at_the_element_and_names_the_assessment()
    {
        using var repo = new ScratchRepository();
        var model = Support.Policies.ThreatModel(Support.Policies.AssessedEntity.Replace("{category: S, likelihood: L", "{category: S, likelihood: H"));
        var failure = Assert.Single(Failures(Evaluate(repo, model)));
        Assert.Equal("threat-model.yaml#EE-1/S", failure.Finding.Subject);
        Assert.Contains("names no control backed by evidence", failure.Finding.Message);
        Assert.Equal([9, 13], failure.Finding.Locations.Select(l => l.Line));
    }

    [Fact]
    public void Deleting_the_only_control_of_a_high_likelihood_pair_in_the_sample_fails_at_the_element()
    {
        using var repo = new ScratchRepository();
        foreach (var file in new[] { "threat-model.yaml", "evidence/integrity-checks.md", "evidence/registry-access.md", "evidence/audit-log.md" })
            repo.CopyFromRepository($"samples/ModelService/{file}", file);
        var path = repo.Write("policy.yaml", Support.Policies.StridePolicy(settings: "        maxAgeDays: 730").Replace("id: STRIDE-1", "id: SAMPLE-STRIDE-1"));
        var engine = new GateEngine(BuiltInGates.Registry);
        Assert.Equal(Verdict.Passed, engine.Evaluate(new EvaluationRequest([path], repo.Root, Support.Policies.Today)).Verdict);

        var model = File.ReadAllText(repo.Full("threat-model.yaml"));
        repo.Write("threat-model.yaml", model.Replace("status: mitigated, assessed: \"2026-11-20\", controls: [SC-1], title: Poisoned training data", "status: mitigated, assessed: \"2026-11-20\", title: Poisoned training data"));
        var failure = Assert.Single(Failures(engine.Evaluate(new EvaluationRequest([path], repo.Root, Support.Policies.Today))));
        Assert.Equal("threat-model.yaml#P-1/T", failure.Finding.Subject);
        Assert.Equal(new SourceLocation("threat-model.yaml", 21, 7), failure.Finding.Locations[0]);
    }

    [Fact]
    public void A_control_backed_by_an_existing_file_mitigates_the_pair()
    {
        using var repo = new ScratchRepository();
        repo.Write("evidence/mfa.md", "MFA is enforced.");
        var entity = Support.Policies.AssessedEntity.Replace("{category: S, likelihood: L, impact: low, status: open,", "{category: S, likelihood: H, impact: severe, status: mitigated, controls: [SC-1],");
        var report = Evaluate(repo, Support.Policies.ThreatModel(entity, Control("SC-1", "file: evidence/mfa.md")));
        Assert.Equal(Verdict.Passed, report.Verdict);
        Assert.Contains(report.Inputs, i => i.Path == "evidence/mfa.md");
    }

    [Fact]
    public void A_control_whose_evidence_file_is_missing_does_not_mitigate()
    {
        using var repo = new ScratchRepository();
        var entity = Support.Policies.AssessedEntity.Replace("{category: S, likelihood: L, impact: low, status: open,", "{category: S, likelihood: H, impact: severe, status: mitigated, controls: [SC-1],");
        var failures = Failures(Evaluate(repo, Support.Policies.ThreatModel(entity, Control("SC-1", "file: evidence/missing.md")))).ToList();
        Assert.Equal(2, failures.Count);
        Assert.Contains(failures, f => f.Finding.Message.Contains("evidence file evidence/missing.md does not exist"));
        Assert.Contains(failures, f => f.Finding.Subject == "threat-model.yaml#EE-1/S");
    }

    private const string SeriousEntity = """
            - id: EE-1
              name: User
              type: external-entity
              threats:
                - {category: S, likelihood: H, impact: severe, status: mitigated, assessed: 2026-11-01, controls: [SC-1]}
                - {category: R, likelihood: L, impact: low, status: open, assessed: 2026-11-01}
        """;

    /// <summary>The STRIDE rule beside a provenance rule whose outcome the test scripts, and a control evidenced by that rule.</summary>
    private static EvaluationReport EvaluateWithEvidenceRule(ScratchRepository repo, Outcome evidenceOutcome, string evidence = "rule: PROV-1",
        string enforcement = "soft-mandatory", string severity = "high", string waivers = "", Severity failOn = Severity.Low, IReadOnlySet<string>? only = null)
    {
        repo.Write("threat-model.yaml", Support.Policies.ThreatModel(SeriousEntity, Control("SC-1", evidence)));
        var rules = $"    - id: PROV-1\n      kind: provenance\n      enforcement: {enforcement}\n      severity: {severity}";
        var path = repo.Write("policy.yaml", Support.Policies.StridePolicy(rules: rules, waivers: waivers));
        var gates = new GateRegistry([new StrideCoverageGate(), new ScriptedGate("provenance",
            c => [new Finding(c.Rule.Id, evidenceOutcome, "model.onnx", "scripted", [c.RuleLocation])])]);
        return new GateEngine(gates).Evaluate(new EvaluationRequest([path], repo.Root, Support.Policies.Today) { FailOn = failOn, RuleIds = only });
    }

    private static string? StrideControlProblem(EvaluationReport report) =>
        report.Findings.SingleOrDefault(f => f.Rule.Id == "STRIDE-1" && f.Finding.Subject == "threat-model.yaml#control:SC-1" && f.Outcome == Outcome.Failed)?.Finding.Message;

    [Fact]
    public void A_control_is_backed_by_a_rule_of_the_policy_that_passed()
    {
        using var repo = new ScratchRepository();
        var report = EvaluateWithEvidenceRule(repo, Outcome.Passed);
        Assert.Equal(Verdict.Passed, report.Verdict);
        Assert.Null(StrideControlProblem(report));
    }

    [Theory]
    [InlineData("rule: ROB-404", "is not a rule of policy")]
    [InlineData("rule: STRIDE-1", "checks a threat model itself")]
    public void A_control_backed_by_an_unknown_rule_or_by_the_threat_model_check_itself_is_unevidenced(string evidence, string problem)
    {
        using var repo = new ScratchRepository();
        var report = EvaluateWithEvidenceRule(repo, Outcome.Passed, evidence);
        Assert.Equal(Verdict.Failed, report.Verdict);
        Assert.Contains(problem, StrideControlProblem(report));
        Assert.Contains(Failures(report), f => f.Finding.Subject == "threat-model.yaml#EE-1/S");
    }

    [Fact]
    public void An_evidence_rule_whose_failure_is_waived_backs_no_control()
    {
        using var repo = new ScratchRepository();
        var report = EvaluateWithEvidenceRule(repo, Outcome.Failed,
            waivers: "  waivers:\n    - {rule: PROV-1, owner: ml-lead, reason: re-signing lands next sprint, expires: 2026-12-31}");
        Assert.Equal(Verdict.Failed, report.Verdict);
        Assert.Contains("accepted the failure", StrideControlProblem(report));
    }

    [Fact]
    public void An_evidence_rule_below_fail_on_backs_no_control()
    {
        using var repo = new ScratchRepository();
        var report = EvaluateWithEvidenceRule(repo, Outcome.Passed, severity: "low", failOn: Severity.High);
        Assert.Equal(Verdict.Failed, report.Verdict);
        Assert.Contains("less severe than --fail-on", StrideControlProblem(report));
    }

    [Fact]
    public void An_evidence_rule_left_out_by_the_rule_selection_backs_no_control()
    {
        using var repo = new ScratchRepository();
        var report = EvaluateWithEvidenceRule(repo, Outcome.Passed, only: new HashSet<string> { "STRIDE-1" });
        Assert.Equal(Verdict.Failed, report.Verdict);
        Assert.Contains("did not run in this evaluation", StrideControlProblem(report));
    }

    [Theory]
    [InlineData(Outcome.Failed)]
    [InlineData(Outcome.Error)]
    public void An_evidence_rule_that_did_not_pass_backs_no_control(Outcome outcome)
    {
        using var repo = new ScratchRepository();
        var report = EvaluateWithEvidenceRule(repo, outcome, enforcement: "hard-mandatory");
        Assert.Contains("did not pass in this evaluation", StrideControlProblem(report));
    }

    [Fact]
    public void A_model_whose_every_element_is_out_of_scope_fails()
    {
        using var repo = new ScratchRepository();
        var report = Evaluate(repo, Support.Policies.ThreatModel(Support.Policies.AssessedEntity.Replace("type: external-entity", "type: external-entity\n      outOfScope: true")));
        Assert.Equal(Verdict.Failed, report.Verdict);
        var failure = Assert.Single(Failures(report));
        Assert.Equal("threat-model.yaml#scope", failure.Finding.Subject);
        Assert.Contains("assesses nothing", failure.Finding.Message);
    }

    [Theory]
    [InlineData("2026-12-31", Verdict.Passed)]
    [InlineData("2026-11-01", Verdict.Failed)]
    public void An_acceptance_counts_until_it_expires(string expires, Verdict verdict)
    {
        using var repo = new ScratchRepository();
        var entity = Support.Policies.AssessedEntity.Replace("{category: S, likelihood: L, impact: low, status: open, assessed: 2026-11-01}",
            $"{{category: S, likelihood: H, impact: severe, status: accepted, assessed: 2026-11-01, acceptance: {{owner: ciso, reason: compensating monitoring, expires: {expires}}}}}");
        Assert.Equal(verdict, Evaluate(repo, Support.Policies.ThreatModel(entity)).Verdict);
    }

    [Fact]
    public void An_assessment_older_than_max_age_fails()
    {
        using var repo = new ScratchRepository();
        var policy = Support.Policies.StridePolicy(settings: "        maxAgeDays: 30");
        var entity = Support.Policies.AssessedEntity.Replace("{category: R, likelihood: L, impact: low, status: open, assessed: 2026-11-01}", "{category: R, likelihood: L, impact: low, status: open, assessed: 2025-01-01}");
        var failure = Assert.Single(Failures(Evaluate(repo, Support.Policies.ThreatModel(entity), policy)));
        Assert.Contains("days ago (at most 30 allowed)", failure.Finding.Message);
    }

    [Fact]
    public void A_flow_to_an_unknown_element_is_an_inconsistent_model()
    {
        using var repo = new ScratchRepository();
        var flow = """
                - id: DF-1
                  name: Upload
                  type: data-flow
                  from: EE-1
                  to: P-9
                  threats:
                    - {category: T, likelihood: L, impact: low, status: open, assessed: 2026-11-01}
                    - {category: I, likelihood: L, impact: low, status: open, assessed: 2026-11-01}
                    - {category: D, likelihood: L, impact: low, status: open, assessed: 2026-11-01}
            """;
        var error = Assert.Single(Evaluate(repo, Support.Policies.ThreatModel(Support.Policies.AssessedEntity + "\n" + flow)).Findings);
        Assert.Equal(EngineRules.PolicyInconsistent.Id, error.Rule.Id);
        Assert.Contains("'P-9'", error.Finding.Message);
        Assert.Equal("threat-model.yaml", error.Finding.Locations[0].Path);
    }

    [Fact]
    public void A_missing_threat_model_is_an_input_error()
    {
        using var repo = new ScratchRepository();
        var path = repo.Write("policy.yaml", Support.Policies.StridePolicy("nowhere.yaml"));
        var report = new GateEngine(BuiltInGates.Registry).Evaluate(new EvaluationRequest([path], repo.Root, Support.Policies.Today));
        var finding = Assert.Single(report.Findings);
        Assert.Equal(EngineRules.InputMissing.Id, finding.Rule.Id);
        Assert.Equal(ExitCodes.InputError, report.ExitCode);
    }

    [Fact]
    public void A_malformed_threat_model_is_reported_at_its_line()
    {
        using var repo = new ScratchRepository();
        var report = Evaluate(repo, Support.Policies.ThreatModel(Support.Policies.AssessedEntity.Replace("type: external-entity", "type: actor")));
        var finding = Assert.Single(report.Findings);
        Assert.Equal(EngineRules.SchemaViolation.Id, finding.Rule.Id);
        Assert.Equal(11, finding.Finding.Locations[0].Line);
    }

    [FixtureFact]
    public void The_threat_dragon_demo_reports_its_missing_repudiation_and_elevation_coverage()
    {
        using var repo = new ScratchRepository();
        var model = File.ReadAllText(RepositoryLayout.Fixture("threat-model", "threat-dragon", "v2-threat-model.json"));
        var report = Evaluate(repo, model, Support.Policies.StridePolicy("demo.json", settings: "        format: threat-dragon-v2"), "demo.json");
        var missing = Failures(report).Where(f => f.Finding.Message.EndsWith("is not assessed")).Select(f => f.Finding.Message).ToList();

        Assert.Contains(missing, m => m.StartsWith("b394f9f7-07ca-42bc-b616-ad77c6fbfcce (Browser, external entity): Repudiation"));
        Assert.Contains(missing, m => m.Contains("(Web Application, process): Repudiation"));
        Assert.Contains(missing, m => m.Contains("(Web Application, process): Elevation of privilege"));
        Assert.Contains(missing, m => m.Contains("(Background Worker Process, process): Repudiation"));
        Assert.Contains(missing, m => m.Contains("(Background Worker Process, process): Elevation of privilege"));
        Assert.DoesNotContain(report.Findings, f => f.Outcome == Outcome.Passed && (f.Finding.Subject.EndsWith("/R") || f.Finding.Subject.EndsWith("/E")));
        // Out-of-scope elements are skipped, not checked.
        Assert.Equal(3, report.Count(Outcome.Skipped));
        // The "Web Request" flow starts at a point of the canvas, not at an element.
        Assert.Contains(Failures(report), f => f.Finding.Message.Contains("(Web Request, data flow) has no 'from' element"));
    }

    private static string DragonDemo(Action<Newtonsoft.Json.Linq.JObject> change)
    {
        var model = Newtonsoft.Json.Linq.JObject.Parse(File.ReadAllText(RepositoryLayout.Fixture("threat-model", "threat-dragon", "v2-threat-model.json")));
        change(model);
        return model.ToString();
    }

    private static IEnumerable<Newtonsoft.Json.Linq.JObject> Cells(Newtonsoft.Json.Linq.JObject model) =>
        model.SelectTokens("detail.diagrams[*].cells[*]").OfType<Newtonsoft.Json.Linq.JObject>();

    [FixtureTheory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Unknown")]
    public void A_threat_dragon_threat_without_a_severity_is_not_rated_never_medium(string? severity)
    {
        using var repo = new ScratchRepository();
        var model = DragonDemo(m =>
        {
            foreach (var threat in m.SelectTokens("detail.diagrams[*].cells[*].data.threats[*]").OfType<Newtonsoft.Json.Linq.JObject>())
                if (severity is null) threat.Remove("severity"); else threat["severity"] = severity;
        });
        var report = Evaluate(repo, model, Support.Policies.StridePolicy("demo.json", settings: "        format: threat-dragon-v2"), "demo.json");
        var assessed = report.Findings.Where(f => f.Finding.Properties?.ContainsKey("impact") == true).ToList();
        Assert.NotEmpty(assessed);
        Assert.All(assessed, f => Assert.Equal("not-rated", f.Finding.Properties!["impact"]));
        Assert.Contains(report.Findings, f => f.Finding.Subject.EndsWith("/impact", StringComparison.Ordinal));
    }

    [FixtureTheory]
    [InlineData("tm.process")]
    [InlineData("tm.Database")]
    [InlineData(null)]
    public void A_threat_dragon_cell_of_an_unknown_type_is_an_error_naming_the_cell(string? type)
    {
        using var repo = new ScratchRepository();
        var process = "";
        var model = DragonDemo(m =>
        {
            var cell = Cells(m).First(c => (string?)c["data"]?["type"] == "tm.Process");
            process = (string)cell["id"]!;
            if (type is null) ((Newtonsoft.Json.Linq.JObject)cell["data"]!).Remove("type"); else cell["data"]!["type"] = type;
        });
        var report = Evaluate(repo, model, Support.Policies.StridePolicy("demo.json", settings: "        format: threat-dragon-v2"), "demo.json");
        Assert.Equal(Verdict.Error, report.Verdict);
        var error = Assert.Single(report.Findings, f => f.Outcome == Outcome.Error);
        Assert.Equal(EngineRules.SchemaViolation.Id, error.Rule.Id);
        Assert.Contains($"diagram cell {process} has", error.Finding.Message);
        Assert.Equal("demo.json", error.Finding.Locations[0].Path);
        Assert.True(error.Finding.Locations[0].Line > 1);
    }
}
