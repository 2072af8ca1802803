using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Diff;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Policies;
using SecMLOps.Gates.Reporting;
using SecMLOps.Gates.Reporting.Sarif;
using SecMLOps.Gates.Tests.Gates.Example;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Engine;

/// <summary>Gates describe themselves, and everything kept beside them is derived from that description or checked against it.</summary>
public sealed class GateModuleTests
{
    private static GateRegistry WithExample() => new([.. BuiltInGates.Registry.All, new ModelCardGate()]);

    [Fact]
    public void Every_setting_of_every_gate_and_of_the_model_and_datasets_states_which_way_is_stricter()
    {
        var schema = BuiltInGates.Registry.Schema;
        var definitions = (JObject)schema.Document["definitions"]!;
        var settings = BuiltInGates.Registry.All.SelectMany(g => GateDocumentation.Settings(schema, schema.SettingsDocument(g.Descriptor.Kind)!, $"{g.Descriptor.Kind}: "))
            .Concat(GateDocumentation.Settings(schema, (JObject)definitions["model"]!, "spec.model."))
            .Concat(GateDocumentation.Settings(schema, (JObject)definitions["dataset"]!, "spec.datasets.*."))
            .ToList();
        Assert.True(settings.Count > 60, $"only {settings.Count} settings walked");
        var problems = settings.Select(s => Problem(s.Name, s.Schema)).OfType<string>().ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>An annotation that is missing, unknown, or does not fit the setting's type.</summary>
    private static string? Problem(string name, JObject setting)
    {
        if (StrictnessAnnotation.Of(setting) is not { } strictness)
            return $"{name}: no (known) x-stricter annotation";
        var type = (string?)setting["type"];
        return strictness switch
        {
            Strictness.Higher or Strictness.Lower when type is not ("number" or "integer") => $"{name}: {StrictnessAnnotation.Word(strictness)} on a {type}",
            Strictness.MoreItems or Strictness.FewerItems when type != "array" => $"{name}: {StrictnessAnnotation.Word(strictness)} on a {type}",
            Strictness.True or Strictness.False when type != "boolean" => $"{name}: {StrictnessAnnotation.Word(strictness)} on a {type}",
            Strictness.EnumOrder when setting["enum"] is not JArray => $"{name}: enum-order without an enum",
            _ => null,
        };
    }

    [Fact]
    public void The_published_schema_the_rule_pages_and_the_readme_agree_with_the_registered_gates()
    {
        var problems = Coherence.Problems(BuiltInGates.Registry, RepositoryLayout.Root);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        var kinds = BuiltInGates.Registry.Schema.Document["definitions"]!["rule"]!["properties"]!["kind"]!["enum"]!.Values<string>();
        Assert.Equal(BuiltInGates.Registry.All.Select(g => g.Descriptor.Kind), kinds);
    }

    [Fact]
    public void A_new_rule_kind_takes_one_folder_and_one_registry_line_and_the_coherence_check_names_what_it_lacks()
    {
        var registry = WithExample();
        Assert.Contains(ModelCardGate.Kind, registry.Schema.Document["definitions"]!["rule"]!["properties"]!["kind"]!["enum"]!.Values<string>());
        Assert.NotNull(registry.Schema.SettingsDocument(ModelCardGate.Kind));

        using var repo = new ScratchRepository();
        repo.Write("card.md", "# Model card\n## Intended use\nSorting parcels.\n");
        var policy = repo.Write("policy.yaml", CardPolicy);
        var report = new GateEngine(registry).Evaluate(new EvaluationRequest([policy], repo.Root, Support.Policies.Today));
        Assert.Equal(Verdict.Failed, report.Verdict);
        Assert.Contains(report.Findings, f => f.Outcome == Outcome.Failed && f.Finding.Subject == "section/Limitations");
        Assert.Contains(report.Findings, f => f.Outcome == Outcome.Passed && f.Finding.Subject == "section/Intended use");

        var typo = repo.Write("typo.yaml", File.ReadAllText(policy).Replace("{card: card.md}", "{card: card.md, sections: [x]}").Replace("CARD-1", "CARD-2"));
        var error = Assert.Single(new PolicyLoader(repo.Root, registry, Support.Policies.Today).Load(typo).Errors);
        Assert.Equal((EngineRules.SchemaViolation.Id, 10), (error.RuleId, error.Locations[0].Line));

        Assert.Contains("| `requiredSections` | list of strings | `[\"Intended use\",\"Limitations\"]` | more entries |",
            GateDocumentation.ToMarkdown(new ModelCardGate().Descriptor, registry.Schema));
        var problems = Coherence.Problems(registry, RepositoryLayout.Root);
        Assert.Contains(problems, p => p.StartsWith(Coherence.PublishedSchema));
        Assert.Contains("docs/rules/model-card.md is missing (secmlops-gate rules model-card -o docs/rules/model-card.md)", problems);
        Assert.Contains("README.md's table of rule kinds lacks model-card", problems);
    }

    private const string CardPolicy = """
        apiVersion: secmlops.gates/v1
        kind: GatePolicy
        metadata: {name: cards, version: 1.0.0, owners: [ml-team]}
        spec:
          rules:
            - id: CARD-1
              kind: model-card
              enforcement: hard-mandatory
              severity: medium
              settings: {card: card.md}
        """;

    private const string Template = """
        apiVersion: secmlops.gates/v1
        kind: ModelCardTemplate
        metadata: {name: cards, version: 1.0.0}
        spec: {sections: [Intended use, Limitations]}
        """;

    [Fact]
    public void A_new_gates_own_diagnostic_and_document_kind_reach_evaluate_sarif_validate_and_the_diff()
    {
        var registry = WithExample();
        using var repo = new ScratchGitRepository();
        var root = RepositoryRoot.At(repo.Path);
        repo.Write("card.md", "no headings here\n");
        repo.Write("policy.yaml", CardPolicy);
        var report = new GateEngine(registry).Evaluate(new EvaluationRequest([repo.FullPath("policy.yaml")], root, Support.Policies.Today));
        Assert.Equal(Verdict.Error, report.Verdict);
        var error = Assert.Single(report.Findings, f => f.Finding.Outcome == Outcome.Error);
        Assert.Equal((ModelCardGate.CardWithoutHeadings.Id, "card.md has no headings"), (error.Finding.RuleId, error.Finding.Message));
        var sarif = System.Text.Json.Nodes.JsonNode.Parse(SarifReportWriter.ToJson(report))!;
        Assert.Contains(sarif["runs"]![0]!["tool"]!["driver"]!["rules"]!.AsArray(), r => (string?)r!["id"] == "SMG9001" && (string?)r["name"] == "model-card-without-headings");

        repo.Write("template.yaml", Template);
        repo.Write("broken/template.yaml", Template.Replace("spec: {", "spec: {extra: 1, "));
        var validator = new DocumentValidator(root, registry, Support.Policies.Today);
        Assert.Empty(validator.Validate(new DiscoveredDocument(repo.FullPath("template.yaml"), ModelCardGate.TemplateKind)));
        var invalid = Assert.Single(validator.Validate(new DiscoveredDocument(repo.FullPath("broken/template.yaml"), ModelCardGate.TemplateKind)));
        Assert.Equal((EngineRules.SchemaViolation.Id, 4), (invalid.RuleId, invalid.Locations[0].Line));

        File.Delete(repo.FullPath("broken/template.yaml"));
        repo.Commit("base");
        repo.Write("template.yaml", Template.Replace("[Intended use, Limitations]", "[Intended use]"));
        var diff = PolicyDiff.Compare(new GitRevision(repo.Path, "HEAD"), new GitRevision(repo.Path, null), registry);
        var change = Assert.Single(diff.Changes);
        Assert.Equal(("template.yaml", "sections[Limitations]", ChangeEffect.Weakening), (change.File, change.Subject, change.Effect));
        // Without the gate that owns it, the same document cannot be judged: an error, never passed over.
        Assert.Contains(PolicyDiff.Compare(new GitRevision(repo.Path, "HEAD"), new GitRevision(repo.Path, null), BuiltInGates.Registry).Errors,
            e => e.Message.Contains("kind 'ModelCardTemplate' is not a document kind the gate knows"));
    }

    [Fact]
    public void A_new_gates_command_kind_and_init_section_reach_the_command_line_beside_its_own()
    {
        using var repo = new ScratchRepository();
        repo.Write("card.md", "# Model card\n## Intended use\nSorting parcels.\n");
        repo.Write("bare.md", "no headings here\n");
        var policy = repo.Write("policy.yaml", CardPolicy);
        (int Exit, string Output) Cli(GateRegistry? registry, params string[] args)
        {
            var output = new StringWriter();
            var exit = GateCommandLine.Run(args, output, output, registry: registry);
            return (exit, output.ToString());
        }
        var registry = WithExample();

        var help = Cli(registry, "--help").Output;
        Assert.Contains("card-sections", help);
        Assert.Contains("matrix", help);
        Assert.Equal((ExitCodes.Passed, "Model card\nIntended use\n"), Cli(registry, "card-sections", repo.Full("card.md"), "--repo-root", repo.Path));
        Assert.Equal((ExitCodes.InputError, "bare.md:1:1: error SMG9001: bare.md has no headings\n"), Cli(registry, "card-sections", repo.Full("bare.md"), "--repo-root", repo.Path));
        Assert.Equal(ExitCodes.InputError, Cli(null, "card-sections", repo.Full("card.md")).Exit);

        Assert.Contains("model-card", Cli(registry, "rules").Output);
        Assert.Contains("| `requiredSections` |", Cli(registry, "rules", "model-card").Output);
        Assert.Contains("\"model-card\"", Cli(registry, "schema").Output);
        var validate = Cli(registry, "validate", policy, "--repo-root", repo.Path);
        Assert.True(validate.Exit == ExitCodes.Passed, validate.Output);
        var sarif = repo.Full("gate.sarif");
        var evaluate = Cli(registry, "evaluate", policy, "--repo-root", repo.Path, "--sarif", sarif);
        Assert.True(evaluate.Exit == ExitCodes.PolicyViolated, evaluate.Output);
        Assert.Contains("CARD-1", File.ReadAllText(sarif));
        Assert.Equal(ExitCodes.InputError, Cli(null, "validate", policy, "--repo-root", repo.Path).Exit);

        repo.Write("model.onnx", "not read: the shape is given");
        var init = Cli(registry, "init", "--model", repo.Full("model.onnx"), "--input-shape", "1,28,28", "--directory", repo.Full("policies"), "--repo-root", repo.Path);
        Assert.True(init.Exit == ExitCodes.Passed, init.Output);
        var written = File.ReadAllText(repo.Full("policies/model.policy.yaml"));
        Assert.Contains("    # The model card's sections: see docs/rules/model-card.md.\n", written);
        Assert.Contains("    # Provenance (a signed model and its signed training lineage): see docs/rules/provenance.md.\n", written);
        Assert.True(written.IndexOf("kind: stride-coverage", StringComparison.Ordinal) < written.IndexOf("model-card.md", StringComparison.Ordinal), written);
        // The threat-model skeleton's worked example is the first threat a gate offers: the robustness rule's here, ...
        var threatModel = File.ReadAllText(repo.Full("policies/model.threat-model.yaml"));
        Assert.Contains("# P-2's tampering threat is shown in comments as an example", threatModel);
        Assert.Contains("  # controls: [{id: SC-1, description: \"Adversarial robustness is gated in CI before the model ships.\", evidence: [{rule: MODEL-ROB-1}]}]", threatModel);
        // ... and the card's where its gate comes first: init names no gate's threat itself.
        var cardFirst = Cli(new GateRegistry([new ModelCardGate(), .. BuiltInGates.Registry.All]), "init", "--model", repo.Full("model.onnx"), "--input-shape", "1,28,28",
            "--directory", repo.Full("card-first"), "--repo-root", repo.Path, "--force");
        Assert.True(cardFirst.Exit == ExitCodes.Passed, cardFirst.Output);
        threatModel = File.ReadAllText(repo.Full("card-first/model.threat-model.yaml"));
        Assert.Contains("# DS-2's repudiation threat is shown in comments as an example", threatModel);
        Assert.Contains("    - {id: DS-2, name: Model registry, type: data-store, threats: []}\n    # once rule MODEL-CARD-1 runs: threats: [{category: R,", threatModel);
        Assert.Contains("evidence: [{rule: MODEL-CARD-1}]", threatModel);
        Assert.DoesNotContain("ROB-1", threatModel);
        Assert.Equal(ExitCodes.Passed, Cli(registry, "validate", repo.Full("card-first"), "--repo-root", repo.Path).Exit);
    }

    [Fact]
    public void The_diff_reads_a_new_gates_directions_from_its_schema()
    {
        var before = """
            apiVersion: secmlops.gates/v1
            kind: GatePolicy
            metadata: {name: cards, version: 1.0.0, owners: [ml-team]}
            spec:
              rules:
                - id: CARD-1
                  kind: model-card
                  enforcement: hard-mandatory
                  severity: medium
                  settings: {card: card.md, requiredSections: [Intended use, Limitations]}
            """;
        using var repo = new ScratchGitRepository();
        repo.Write("card.md", "# card\n");
        repo.Write("policy.yaml", before);
        repo.Commit("base");
        repo.Write("policy.yaml", before.Replace(", Limitations]", "]"));
        var diff = PolicyDiff.Compare(new GitRevision(repo.Path, "HEAD"), new GitRevision(repo.Path, null), WithExample());
        var change = Assert.Single(diff.Changes);
        Assert.Equal(ChangeEffect.Weakening, change.Effect);
        Assert.Equal("rule CARD-1.settings.requiredSections[Limitations]", change.Subject);
    }

    [Fact]
    public void The_diff_reports_raising_max_black_box_gap_and_dropping_a_required_lineage_field_as_weakenings()
    {
        var before = """
            apiVersion: secmlops.gates/v1
            kind: GatePolicy
            metadata: {name: model, version: 1.0.0, owners: [ml-team]}
            spec:
              rules:
                - id: ROB-1
                  kind: robustness
                  enforcement: hard-mandatory
                  severity: high
                  settings:
                    dataset: eval
                    attacks: [{name: pgd, eps: [0.03]}, {name: pgd, eps: [0.01], steps: 20}]
                    gradientMasking: {maxBlackBoxGap: 0.02}
                - id: PROV-1
                  kind: provenance
                  enforcement: hard-mandatory
                  severity: high
                  settings:
                    artifacts: [{path: model.onnx}]
                    lineage: {statement: lineage.json, publicKey: key.pub, requiredFields: [datasets, hyperparameters, codeRevision]}
            """;
        using var repo = new ScratchGitRepository();
        repo.Write("policy.yaml", before);
        repo.Commit("base");
        repo.Write("policy.yaml", before.Replace("maxBlackBoxGap: 0.02", "maxBlackBoxGap: 0.1").Replace(", codeRevision]", "]").Replace("steps: 20", "steps: 10"));
        var diff = PolicyDiff.Compare(new GitRevision(repo.Path, "HEAD"), new GitRevision(repo.Path, null), BuiltInGates.Registry);
        Assert.Contains(diff.Changes, c => c.Effect == ChangeEffect.Weakening && c.Subject == "rule ROB-1.settings.gradientMasking.maxBlackBoxGap" && (c.OldValue, c.NewValue) == ("0.02", "0.1"));
        Assert.Contains(diff.Changes, c => c.Effect == ChangeEffect.Weakening && c.Subject == "rule PROV-1.settings.lineage.requiredFields[codeRevision]");
        // Two entries of one attack are paired in order, so a repeated name is no problem.
        Assert.Contains(diff.Changes, c => c.Effect == ChangeEffect.Weakening && c.Subject == "rule ROB-1.settings.attacks[pgd].steps");
        Assert.True(Assert.Single(diff.Files).MissesVersionBump);
    }

    [Fact]
    public void Removing_a_setting_compares_with_its_default_and_unknown_settings_stay_neutral()
    {
        var before = """
            apiVersion: secmlops.gates/v1
            kind: GatePolicy
            metadata: {name: model, version: 1.0.0, owners: [ml-team]}
            spec:
              rules:
                - id: STRIDE-1
                  kind: stride-coverage
                  enforcement: hard-mandatory
                  severity: high
                  settings: {threatModel: tm.yaml, maxAgeDays: 200, riskLevel: {likelihood: M}}
            """;
        using var repo = new ScratchGitRepository();
        repo.Write("policy.yaml", before);
        repo.Commit("base");
        repo.Write("policy.yaml", before.Replace(", maxAgeDays: 200, riskLevel: {likelihood: M}", ""));
        var diff = PolicyDiff.Compare(new GitRevision(repo.Path, "HEAD"), new GitRevision(repo.Path, null), BuiltInGates.Registry);
        var age = Assert.Single(diff.Changes, c => c.Subject == "rule STRIDE-1.settings.maxAgeDays");
        Assert.Equal((ChangeEffect.Weakening, "200", "365"), (age.Effect, age.OldValue, age.NewValue));
        var likelihood = Assert.Single(diff.Changes, c => c.Subject == "rule STRIDE-1.settings.riskLevel.likelihood");
        Assert.Equal((ChangeEffect.Weakening, "M", "H"), (likelihood.Effect, likelihood.OldValue, likelihood.NewValue));
    }
}
