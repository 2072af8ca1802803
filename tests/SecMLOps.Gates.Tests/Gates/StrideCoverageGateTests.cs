using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
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
        foreach (var file in new[] { "threat-model.yaml", "evidence/integrity-checks.md", "evidence/registry-access.md" })
            repo.CopyFromRepository($"samples/ModelService/{file}", file);
        var path = repo.Write("policy.yaml", Support.Policies.StridePolicy(settings: "        maxAgeDays: 730").Replace("id: STRIDE-1", "id: SAMPLE-STRIDE-1"));
        var engine = new GateEngine(BuiltInGates.Registry);
        Assert.Equal(Verdict.Passed, engine.Evaluate(new EvaluationRequest([path], repo.Root, Support.Policies.Today)).Verdict);

        var model = File.ReadAllText(repo.Full("threat-model.yaml"));
        repo.Write("threat-model.yaml", model.Replace("status: mitigated, assessed: 2026-11-20, controls: [SC-1], title: Poisoned training data", "status: mitigated, assessed: 2026-11-20, title: Poisoned training data"));
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
        Assert.Contains("evidence/mfa.md", report.Inputs);
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

    [Fact]
    public void A_control_can_be_backed_by_a_rule_of_the_policy()
    {
        using var repo = new ScratchRepository();
        var entity = Support.Policies.AssessedEntity.Replace("{category: S, likelihood: L, impact: low, status: open,", "{category: S, likelihood: H, impact: severe, status: mitigated, controls: [SC-1],");
        Assert.Equal(Verdict.Passed, Evaluate(repo, Support.Policies.ThreatModel(entity, Control("SC-1", "rule: STRIDE-1"))).Verdict);
        Assert.Equal(Verdict.Failed, Evaluate(repo, Support.Policies.ThreatModel(entity, Control("SC-1", "rule: ROB-404"))).Verdict);
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
}
