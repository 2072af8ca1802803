using SecMLOps.Gates.Diff;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Diff;

public sealed class PolicyDiffTests
{
    private const string Policy = """
        apiVersion: secmlops.gates/v1
        kind: GatePolicy
        metadata: {name: classifier, version: VERSION, owners: [ml-team]}
        spec:
          rules:
            - id: ROB-1
              kind: robustness
              enforcement: ENFORCEMENT
              severity: high
              settings:
                minRatioOfBaseline: RATIO
                attacks:
                  - {name: fgsm, eps: [0.01, 0.02, 0.03]}
                  - {name: deepfool, xi: [0.02]}
            - id: STRIDE-1
              kind: stride-coverage
              enforcement: hard-mandatory
              severity: high
              settings: {threatModel: tm.yaml}
        WAIVERS
        """;

    private static string Make(string version = "1.0.0", string ratio = "0.8", string enforcement = "hard-mandatory", string waivers = "") =>
        Policy.Replace("VERSION", version).Replace("RATIO", ratio).Replace("ENFORCEMENT", enforcement).Replace("WAIVERS", waivers);

    private static PolicyDiffReport DiffAfter(ScratchGitRepository repo, string path, string contents)
    {
        repo.Write(path, contents);
        repo.Commit("change");
        return PolicyDiff.Compare(new GitRevision(repo.Path, "HEAD~1"), new GitRevision(repo.Path, "HEAD"), SecMLOps.Gates.Cli.BuiltInGates.Registry);
    }

    private static ScratchGitRepository WithPolicy(string contents)
    {
        var repo = new ScratchGitRepository();
        repo.Write("policies/classifier.yaml", contents);
        repo.Commit("base");
        return repo;
    }

    [Fact]
    public void Lowering_min_ratio_of_baseline_is_a_weakening_with_both_values()
    {
        using var repo = WithPolicy(Make());
        var diff = DiffAfter(repo, "policies/classifier.yaml", Make(version: "2.0.0", ratio: "0.7"));
        var change = Assert.Single(diff.Changes, c => c.Subject.Contains("minRatioOfBaseline"));
        Assert.Equal(ChangeEffect.Weakening, change.Effect);
        Assert.Equal("0.8", change.OldValue);
        Assert.Equal("0.7", change.NewValue);
        Assert.Equal(11, change.Location.Line);
        Assert.False(Assert.Single(diff.Files).MissesVersionBump);
    }

    [Fact]
    public void Raising_min_ratio_of_baseline_is_a_strengthening()
    {
        using var repo = WithPolicy(Make());
        var diff = DiffAfter(repo, "policies/classifier.yaml", Make(version: "1.1.0", ratio: "0.9"));
        var change = Assert.Single(diff.Changes, c => c.Subject.Contains("minRatioOfBaseline"));
        Assert.Equal(ChangeEffect.Strengthening, change.Effect);
        Assert.Equal(("0.8", "0.9"), (change.OldValue, change.NewValue));
    }

    [FixtureFact]
    public void A_weakening_without_a_version_bump_is_flagged()
    {
        using var repo = WithPolicy(Make());
        var diff = DiffAfter(repo, "policies/classifier.yaml", Make(ratio: "0.7"));
        Assert.True(Assert.Single(diff.Files).MissesVersionBump);
        var report = DiffReports.ToEvaluationReport(diff);
        Assert.Equal(1, report.ExitCode);
        SarifSchema.AssertValid(global::SecMLOps.Gates.Reporting.Sarif.SarifReportWriter.ToJson(report));
    }

    [Fact]
    public void Narrowing_eps_and_removing_an_attack_are_weakenings()
    {
        using var repo = WithPolicy(Make());
        var changed = Make(version: "2.0.0").Replace("eps: [0.01, 0.02, 0.03]", "eps: [0.01, 0.02]").Replace("- {name: deepfool, xi: [0.02]}", "");
        var diff = DiffAfter(repo, "policies/classifier.yaml", changed);
        Assert.Contains(diff.Changes, c => c.Effect == ChangeEffect.Weakening && c.Description.Contains("eps: 0.03 removed"));
        Assert.Contains(diff.Changes, c => c.Effect == ChangeEffect.Weakening && c.Description.Contains("attacks: deepfool removed"));
    }

    [Fact]
    public void A_rule_description_owners_and_any_other_unjudged_field_are_listed_with_both_values()
    {
        using var repo = WithPolicy(Make().Replace("      severity: high\n      settings:\n        minRatioOfBaseline", "      severity: high\n      description: keeps 80 % under FGSM\n      settings:\n        minRatioOfBaseline"));
        var diff = DiffAfter(repo, "policies/classifier.yaml", Make()
            .Replace("      severity: high\n      settings:\n        minRatioOfBaseline", "      severity: high\n      description: keeps 95 % under AutoAttack\n      settings:\n        minRatioOfBaseline")
            .Replace("owners: [ml-team]", "owners: [someone-else]"));
        Assert.Contains(diff.Changes, c => c.Effect == ChangeEffect.Neutral && c.Subject == "rule ROB-1.description" && c.OldValue == "keeps 80 % under FGSM" && c.NewValue == "keeps 95 % under AutoAttack");
        Assert.Contains(diff.Changes, c => c.Effect == ChangeEffect.Neutral && c.Subject == "metadata.owners" && c.OldValue!.Contains("ml-team") && c.NewValue!.Contains("someone-else"));
        Assert.False(Assert.Single(diff.Files).MissesVersionBump);
    }

    [Fact]
    public void An_attack_option_set_where_it_was_unset_is_judged_against_the_attacks_own_default()
    {
        using var repo = WithPolicy(Make());
        var fewer = DiffAfter(repo, "policies/classifier.yaml", Make().Replace("- {name: deepfool, xi: [0.02]}", "- {name: deepfool, xi: [0.02], maxIterations: 10}"));
        var change = Assert.Single(fewer.Changes, c => c.Subject == "rule ROB-1.settings.attacks[deepfool].maxIterations");
        Assert.Equal(ChangeEffect.Weakening, change.Effect);
        Assert.Equal("50", change.OldValue);
        Assert.Contains("from the default", change.Description);
        Assert.True(Assert.Single(fewer.Files).MissesVersionBump);

        var more = DiffAfter(repo, "policies/classifier.yaml", Make(version: "2.0.0").Replace("- {name: deepfool, xi: [0.02]}", "- {name: deepfool, xi: [0.02], maxIterations: 200}"));
        Assert.Equal(ChangeEffect.Strengthening, Assert.Single(more.Changes, c => c.Subject == "rule ROB-1.settings.attacks[deepfool].maxIterations").Effect);

        var strengthsDropped = DiffAfter(repo, "policies/classifier.yaml", Make(version: "3.0.0").Replace("- {name: deepfool, xi: [0.02]}", "- {name: deepfool, xi: [0.02], eps: [0.01]}"));
        Assert.Contains(strengthsDropped.Changes, c => c.Effect == ChangeEffect.Weakening && c.Subject.StartsWith("rule ROB-1.settings.attacks[deepfool].eps", StringComparison.Ordinal));
    }

    [Fact]
    public void Raising_the_waiver_limit_from_its_default_is_a_weakening_and_lowering_it_a_strengthening()
    {
        using var repo = WithPolicy(Make());
        var raised = DiffAfter(repo, "policies/classifier.yaml", Make().Replace("spec:\n", "spec:\n  maxWaiverDays: 730\n"));
        var change = Assert.Single(raised.Changes, c => c.Subject == "spec.maxWaiverDays");
        Assert.Equal(ChangeEffect.Weakening, change.Effect);
        Assert.Contains("from the default", change.Description);
        Assert.True(Assert.Single(raised.Files).MissesVersionBump);
        var lowered = DiffAfter(repo, "policies/classifier.yaml", Make(version: "1.0.1").Replace("spec:\n", "spec:\n  maxWaiverDays: 90\n"));
        Assert.Equal(ChangeEffect.Strengthening, Assert.Single(lowered.Changes, c => c.Subject == "spec.maxWaiverDays").Effect);
    }

    [Fact]
    public void Setting_sample_count_where_unset_meant_every_row_is_a_weakening_and_removing_it_a_strengthening()
    {
        using var repo = WithPolicy(Make());
        var set = DiffAfter(repo, "policies/classifier.yaml", Make().Replace("        minRatioOfBaseline: 0.8", "        minRatioOfBaseline: 0.8\n        sampleCount: 300"));
        var change = Assert.Single(set.Changes, c => c.Subject == "rule ROB-1.settings.sampleCount");
        Assert.Equal(ChangeEffect.Weakening, change.Effect);
        Assert.True(Assert.Single(set.Files).MissesVersionBump);
        var removed = DiffAfter(repo, "policies/classifier.yaml", Make(version: "1.0.1"));
        Assert.Equal(ChangeEffect.Strengthening, Assert.Single(removed.Changes, c => c.Subject == "rule ROB-1.settings.sampleCount").Effect);
    }

    [Theory]
    [InlineData("1.0.1", true)]
    [InlineData("1.9.0", true)]
    [InlineData("2.0.0", false)]
    public void A_weakening_needs_a_higher_major_version(string version, bool misses)
    {
        using var repo = WithPolicy(Make());
        var diff = DiffAfter(repo, "policies/classifier.yaml", Make(version: version, ratio: "0.7"));
        Assert.Equal(misses, Assert.Single(diff.Files).MissesVersionBump);
    }

    [Fact]
    public void Downgraded_enforcement_removed_rules_and_new_or_longer_waivers_are_weakenings()
    {
        var waiver = "  waivers:\n    - {rule: ROB-1, owner: alice, reason: retraining, expires: 2027-01-31}";
        using var repo = WithPolicy(Make(enforcement: "soft-mandatory"));
        var added = DiffAfter(repo, "policies/classifier.yaml", Make(version: "1.1.0", enforcement: "advisory", waivers: waiver));
        Assert.Contains(added.Changes, c => c.Effect == ChangeEffect.Weakening && c.Subject == "rule ROB-1.enforcement" && c.OldValue == "soft-mandatory" && c.NewValue == "advisory");
        Assert.Contains(added.Changes, c => c.Effect == ChangeEffect.Weakening && c.Subject == "waiver ROB-1");

        var extended = DiffAfter(repo, "policies/classifier.yaml", Make(version: "1.2.0", enforcement: "advisory", waivers: waiver.Replace("2027-01-31", "2027-06-30")));
        Assert.Contains(extended.Changes, c => c.Effect == ChangeEffect.Weakening && c.Description.Contains("extended") && c.NewValue == "2027-06-30");

        var removed = DiffAfter(repo, "policies/classifier.yaml", Make(version: "2.0.0", enforcement: "advisory", waivers: waiver).Replace("    - id: STRIDE-1\n      kind: stride-coverage\n      enforcement: hard-mandatory\n      severity: high\n      settings: {threatModel: tm.yaml}\n", ""));
        Assert.Contains(removed.Changes, c => c.Effect == ChangeEffect.Weakening && c.Subject == "rule STRIDE-1");
    }

    [Fact]
    public void A_downgraded_stride_pair_and_a_removed_control_are_weakenings()
    {
        var model = Support.Policies.ThreatModel("""
                - id: P-1
                  name: Trainer
                  type: process
                  threats:
                    - {category: T, likelihood: H, impact: severe, status: mitigated, assessed: 2026-11-01, controls: [SC-1, SC-2]}
            """, "  controls:\n    - {id: SC-1, description: signing}\n    - {id: SC-2, description: hashing}");
        using var repo = new ScratchGitRepository();
        repo.Write("tm.yaml", model);
        repo.Commit("base");
        var diff = DiffAfter(repo, "tm.yaml", model.Replace("likelihood: H", "likelihood: M").Replace("controls: [SC-1, SC-2]", "controls: [SC-1]").Replace("    - {id: SC-2, description: hashing}", ""));
        Assert.Contains(diff.Changes, c => c.Effect == ChangeEffect.Weakening && c.Subject == "P-1/T.likelihood" && c.OldValue == "H" && c.NewValue == "M");
        Assert.Contains(diff.Changes, c => c.Effect == ChangeEffect.Weakening && c.Subject == "P-1/T.controls[SC-2]");
        Assert.Contains(diff.Changes, c => c.Effect == ChangeEffect.Weakening && c.Subject == "control SC-2");
        Assert.True(Assert.Single(diff.Files).MissesVersionBump);
    }

    private const string Element = """
            - id: DS-1
              name: Audit store
              type: data-store
              holdsAuditLogs: true
              threats:
                - {category: T, likelihood: M, impact: not-rated, status: open, assessed: 2026-11-01}
                - {category: R, likelihood: L, impact: low, status: open, assessed: 2026-11-01}
                - {category: I, likelihood: L, impact: low, status: open, assessed: 2026-11-01}
                - {category: D, likelihood: L, impact: low, status: open, assessed: 2026-11-01}
        """;

    private static PolicyDiffReport ThreatModelChange(Func<string, string> change)
    {
        var model = Support.Policies.ThreatModel(Element);
        using var repo = new ScratchGitRepository();
        repo.Write("tm.yaml", model);
        repo.Commit("base");
        var changed = change(model);
        Assert.NotEqual(model, changed);
        return DiffAfter(repo, "tm.yaml", changed);
    }

    [Theory]
    [InlineData("      holdsAuditLogs: true\n", "", "DS-1.applicable")]
    [InlineData("      type: data-store\n", "      type: data-store\n      applicable: [T, I, D]\n", "DS-1.applicable")]
    [InlineData("      type: data-store\n      holdsAuditLogs: true\n", "      type: data-flow\n", "DS-1.applicable")]
    [InlineData("impact: not-rated", "impact: low", "DS-1/T.impact")]
    [InlineData("status: open, assessed: 2026-11-01}\n        - {category: R", "status: accepted, assessed: 2026-11-01}\n        - {category: R", "DS-1/T.status")]
    [InlineData("{category: T, likelihood: M, impact: not-rated, status: open, assessed: 2026-11-01}",
        "{category: T, likelihood: M, impact: not-rated, status: accepted, assessed: 2026-11-01, acceptance: {owner: ciso, reason: monitored, expires: 2026-12-31}}", "DS-1/T.acceptance")]
    [InlineData("      type: data-store\n", "      type: data-store\n      outOfScope: true\n", "DS-1.outOfScope")]
    public void A_threat_model_change_that_asks_less_of_the_gate_is_a_weakening(string from, string to, string subject)
    {
        var diff = ThreatModelChange(m => m.Replace(from, to));
        var change = Assert.Single(diff.Changes, c => c.Subject == subject);
        Assert.Equal(ChangeEffect.Weakening, change.Effect);
        Assert.True(Assert.Single(diff.Files).MissesVersionBump);
    }

    [Fact]
    public void Every_changed_threat_model_field_is_listed_even_one_that_decides_nothing()
    {
        var diff = ThreatModelChange(m => m.Replace("name: Audit store", "name: Audit log store").Replace("impact: low, status: open, assessed: 2026-11-01}\n        - {category: I",
            "impact: low, status: open, assessed: 2026-11-15, rationale: re-checked}\n        - {category: I"));
        Assert.Contains(diff.Changes, c => c.Subject == "element DS-1.name" && c.Effect == ChangeEffect.Neutral && c.NewValue == "Audit log store");
        Assert.Contains(diff.Changes, c => c.Subject == "DS-1/R.assessed" && c.Effect == ChangeEffect.Neutral);
        Assert.Contains(diff.Changes, c => c.Subject == "DS-1/R.rationale" && c.Effect == ChangeEffect.Neutral);
    }

    private const string Provenance = """
        apiVersion: secmlops.gates/v1
        kind: GatePolicy
        metadata: {name: signed, version: 1.0.0, owners: [ml-team]}
        spec:
          rules:
            - id: PROV-1
              kind: provenance
              enforcement: hard-mandatory
              severity: high
              settings:
                artifacts:
                  - {path: model.onnx}
                trustedRoot: trust/trusted_root.json
                identities:
                  - {issuer: https://token.actions.githubusercontent.com, subject: https://github.com/org/repo/.github/workflows/train.yml@refs/heads/main}
                lineage:
                  statement: lineage/model.dsse.json
                  publicKey: lineage/signer.pub
                  requiredFields: [datasets, codeRevision]
        """;

    [Theory]
    [InlineData("        lineage:\n          statement: lineage/model.dsse.json\n          publicKey: lineage/signer.pub\n          requiredFields: [datasets, codeRevision]", "", "rule PROV-1.settings.lineage")]
    [InlineData("        trustedRoot: trust/trusted_root.json\n", "", "rule PROV-1.settings.trustedRoot")]
    [InlineData("trustedRoot: trust/trusted_root.json", "trustedRoot: trust/other_root.json", "rule PROV-1.settings.trustedRoot")]
    [InlineData("publicKey: lineage/signer.pub", "publicKey: lineage/attacker.pub", "rule PROV-1.settings.lineage.publicKey")]
    public void Dropping_or_swapping_what_provenance_trusts_is_a_weakening(string from, string to, string subject)
    {
        using var repo = WithPolicy(Provenance);
        var changed = Provenance.Replace(from, to);
        Assert.NotEqual(Provenance, changed);
        var diff = DiffAfter(repo, "policies/classifier.yaml", changed);
        var change = Assert.Single(diff.Changes, c => c.Subject == subject);
        Assert.Equal(ChangeEffect.Weakening, change.Effect);
        Assert.DoesNotContain(diff.Changes, c => c.Effect == ChangeEffect.Strengthening);
    }

    [Fact]
    public void A_moved_policy_is_compared_with_itself_so_its_weakenings_show()
    {
        using var repo = WithPolicy(Make());
        File.Delete(repo.FullPath("policies/classifier.yaml"));
        var diff = DiffAfter(repo, "policies/moved/classifier.yaml", Make(ratio: "0.7"));
        var file = Assert.Single(diff.Files);
        Assert.Equal("policies/moved/classifier.yaml", file.Path);
        Assert.Contains(file.Changes, c => c.Description.Contains("moved from policies/classifier.yaml"));
        Assert.Contains(file.Changes, c => c.Subject.Contains("minRatioOfBaseline") && c.Effect == ChangeEffect.Weakening);
        Assert.True(file.MissesVersionBump);
    }

    [Fact]
    public void A_removed_policy_blocks_since_it_has_no_version_to_raise()
    {
        using var repo = WithPolicy(Make());
        repo.Write("policies/other.yaml", Make().Replace("name: classifier", "name: other").Replace("ROB-1", "ROB-2").Replace("STRIDE-1", "STRIDE-2"));
        repo.Commit("two");
        File.Delete(repo.FullPath("policies/classifier.yaml"));
        repo.Commit("removed");
        var diff = PolicyDiff.Compare(new GitRevision(repo.Path, "HEAD~1"), new GitRevision(repo.Path, "HEAD"), SecMLOps.Gates.Cli.BuiltInGates.Registry);
        var file = Assert.Single(diff.Files);
        Assert.Null(file.HeadVersion);
        Assert.True(file.MissesVersionBump);
        var report = DiffReports.ToEvaluationReport(diff);
        Assert.Equal(1, report.ExitCode);
        Assert.Contains(report.Findings, f => f.Finding.Message.Contains("removes the GatePolicy"));
    }

    [Fact]
    public void The_working_tree_is_the_default_head_and_an_unknown_revision_is_an_error()
    {
        using var repo = WithPolicy(Make());
        repo.Write("policies/classifier.yaml", Make(version: "2.0.0", ratio: "0.7"));
        var diff = PolicyDiff.Compare(new GitRevision(repo.Path, "HEAD"), new GitRevision(repo.Path, null), SecMLOps.Gates.Cli.BuiltInGates.Registry);
        Assert.Contains(diff.Changes, c => c.Subject.Contains("minRatioOfBaseline"));
        Assert.Throws<global::SecMLOps.Gates.Findings.GateInputException>(() => PolicyDiff.Compare(new GitRevision(repo.Path, "no-such-branch"), new GitRevision(repo.Path, null), SecMLOps.Gates.Cli.BuiltInGates.Registry));
    }

    private static string Baseline(string expires, params (string Subject, string Message)[] accepted) =>
        FindingBaseline.Render("classifier", accepted.Select(a => new Finding("ROB-1", Outcome.Failed, a.Subject, a.Message, [])), "ml-team", "retraining in Q1", null,
            DateOnly.ParseExact(expires, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void A_baseline_is_judged_like_waivers_an_acceptance_added_widened_or_extended_weakens()
    {
        using var repo = WithPolicy(Make());
        // An expired entry on the base side must not hide the file from the comparison.
        repo.Write("policies/baseline.yaml", Baseline("2020-01-31", ("fgsm@0.03", "accuracy 0.61 < 0.64"), ("deepfool@0.02", "accuracy 0.70 < 0.72")));
        repo.Commit("baseline");
        var diff = DiffAfter(repo, "policies/baseline.yaml",
            Baseline("2027-03-31", ("fgsm@0.03", "accuracy 0.40 < 0.64"), ("pgd@0.03", "accuracy 0.10 < 0.64")).Replace("retraining in Q1", "waiting for data"));
        var file = Assert.Single(diff.Files);
        Assert.Equal(FindingBaseline.Kind, file.Kind);
        Assert.Empty(diff.Errors);
        Assert.Contains(file.Changes, c => (c.Subject, c.Effect, c.NewValue) == ("accepted ROB-1 'pgd@0.03'", ChangeEffect.Weakening, "accuracy 0.10 < 0.64"));
        Assert.Contains(file.Changes, c => (c.Subject, c.Effect) == ("accepted ROB-1 'deepfool@0.02'", ChangeEffect.Strengthening));
        Assert.Contains(file.Changes, c => (c.Subject, c.Effect, c.OldValue, c.NewValue) == ("accepted ROB-1 'fgsm@0.03'.message", ChangeEffect.Weakening, "accuracy 0.61 < 0.64", "accuracy 0.40 < 0.64"));
        Assert.Contains(file.Changes, c => (c.Subject, c.Effect, c.OldValue, c.NewValue) == ("accepted ROB-1 'fgsm@0.03'.expires", ChangeEffect.Weakening, "2020-01-31", "2027-03-31"));
        Assert.Contains(file.Changes, c => (c.Subject, c.Effect) == ("accepted ROB-1 'fgsm@0.03'.reason", ChangeEffect.Neutral));
        var report = DiffReports.ToEvaluationReport(diff);
        Assert.Contains(report.Findings, f => f.Finding.RuleId == EngineRules.PolicyWeakened.Id && f.Finding.Subject.Contains("pgd@0.03"));
    }

    [Fact]
    public void Adding_a_baseline_weakens_and_removing_it_strengthens()
    {
        using var repo = WithPolicy(Make());
        var added = DiffAfter(repo, "policies/baseline.yaml", Baseline("2027-03-31", ("fgsm@0.03", "accuracy 0.61 < 0.64")));
        Assert.Equal(ChangeEffect.Weakening, Assert.Single(added.Changes).Effect);
        File.Delete(repo.FullPath("policies/baseline.yaml"));
        repo.Commit("removed");
        var removed = PolicyDiff.Compare(new GitRevision(repo.Path, "HEAD~1"), new GitRevision(repo.Path, "HEAD"), SecMLOps.Gates.Cli.BuiltInGates.Registry);
        Assert.Equal(ChangeEffect.Strengthening, Assert.Single(removed.Changes).Effect);
        Assert.False(Assert.Single(removed.Files).MissesVersionBump);
    }

    [Fact]
    public void A_document_of_the_gates_api_version_whose_kind_no_gate_knows_is_an_error_never_passed_over()
    {
        using var repo = WithPolicy(Make());
        var diff = DiffAfter(repo, "policies/exemptions.yaml", """
            apiVersion: secmlops.gates/v1
            kind: GateExemptions
            metadata: {name: everything}
            spec: {exempt: [ROB-1]}
            """);
        var error = Assert.Single(diff.Errors);
        Assert.Equal((EngineRules.SchemaViolation.Id, "policies/exemptions.yaml", 2), (error.RuleId, error.Subject, error.Locations[0].Line));
        Assert.Contains("GateExemptions", error.Message);
        Assert.Equal(2, DiffReports.ToEvaluationReport(diff).ExitCode);
    }

    [Fact]
    public void A_threat_models_metadata_change_is_listed()
    {
        using var repo = new ScratchGitRepository();
        var model = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "samples", "ModelService", "threat-model.yaml"));
        repo.Write("tm.yaml", model);
        repo.Commit("base");
        var owners = System.Text.RegularExpressions.Regex.Match(model, @"owners:.*").Value;
        Assert.NotEmpty(owners);
        repo.Write("tm.yaml", model.Replace(owners, "owners: [someone-else]"));
        repo.Commit("owners");
        var diff = PolicyDiff.Compare(new GitRevision(repo.Path, "HEAD~1"), new GitRevision(repo.Path, "HEAD"), SecMLOps.Gates.Cli.BuiltInGates.Registry);
        var change = Assert.Single(diff.Changes);
        Assert.Equal(("metadata.owners", ChangeEffect.Neutral), (change.Subject, change.Effect));
    }

    [Fact]
    public void Markdown_names_old_and_new_values()
    {
        using var repo = WithPolicy(Make());
        var markdown = DiffReports.ToMarkdown(DiffAfter(repo, "policies/classifier.yaml", Make(version: "2.0.0", ratio: "0.7")));
        Assert.Contains("| 🔻 weakening | `rule ROB-1.settings.minRatioOfBaseline lowered` | `0.8` | `0.7` |", markdown);
    }
}

/// <summary>The diff through the real command line, on the sample's own policies: it classifies, it never crashes.</summary>
public sealed class PolicyDiffCommandTests
{
    [Fact]
    public void Diffing_the_samples_policies_exits_0_or_1_and_classifies_every_change()
    {
        using var repo = new ScratchGitRepository();
        var passing = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "policies", "samples", "model-service.yaml"));
        var violated = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "policies", "samples", "model-service-violated.yaml"));
        Assert.Contains("inputShape: [1, 28, 28]", passing);
        repo.Write("policies/model-service.yaml", passing);
        repo.Commit("passing");
        repo.Write("policies/model-service.yaml", violated);
        repo.Commit("violated");
        repo.Write("policies/model-service.yaml", violated.Replace("inputShape: [1, 28, 28]", "inputShape: [1, 28, 28, 28]").Replace("eps: [0.01, 0.03]", "eps: [0.03, 0.03]"));

        foreach (var (from, to) in new[] { ("HEAD~1", "HEAD"), ("HEAD", (string?)null), ("HEAD~1", null) })
        {
            var output = new StringWriter();
            string[] args = to is null ? ["diff", from, "--repo-root", repo.Path] : ["diff", from, to, "--repo-root", repo.Path];
            var exit = SecMLOps.Gates.Cli.GateCommandLine.Run(args, output, output);
            Assert.True(exit is 0 or 1, $"diff {from} {to}: exit {exit}\n{output}");
            Assert.Contains("| effect | change | old | new |", output.ToString());
        }
        var repeated = new StringWriter();
        SecMLOps.Gates.Cli.GateCommandLine.Run(["diff", "HEAD", "--repo-root", repo.Path], repeated, repeated);
        Assert.Contains("inputShape changed", repeated.ToString());
        Assert.Contains("eps: 0.01 removed", repeated.ToString());
    }
}
