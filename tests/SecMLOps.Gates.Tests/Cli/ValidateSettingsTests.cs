using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Cli;

/// <summary>
/// `validate` reports, at the setting's line and column, the settings errors that `evaluate` used to
/// find only when it ran the rule: each gate binds its settings when the policy loads.
/// </summary>
public sealed class ValidateSettingsTests
{
    private const string Header = """
        apiVersion: secmlops.gates/v1
        kind: GatePolicy
        metadata: {name: settings, version: 1.0.0, owners: [ml-team]}
        spec:
          model: {path: model.onnx, format: onnx, inputShape: [4], inputLayout: flat, valueRange: [0, 1]}
          datasets:
            eval: {path: eval.csv, format: csv}
            golden: {path: eval.csv, format: csv}
          rules:
            - id: RULE-1
              enforcement: hard-mandatory
              severity: high

        """;

    public static TheoryData<string, string, string, int, int, string> Cases => new()
    {
        { "robustness: a dataset the policy does not declare", "      kind: robustness\n      settings:\n        dataset: evaluation\n        attacks: [{name: fgsm}]\n", "SMG0003", 15, 18, "names dataset 'evaluation'" },
        { "robustness: an option another attack takes", "      kind: robustness\n      settings:\n        dataset: eval\n        attacks:\n          - {name: fgsm, eps: [0.1], queries: 10}\n", "SMG0002", 17, 38, "'queries' is not an option of fgsm" },
        { "robustness: a suite without strengths", "      kind: robustness\n      settings:\n        dataset: eval\n        suite: autoattack-standard\n", "SMG0002", 16, 16, "suite and eps go together" },
        { "poisoning: a recall drop with no baseline model", "      kind: poisoning\n      settings:\n        training: eval\n        model: {maxRecallDrop: 0.2}\n", "SMG0003", 16, 32, "spec.model.baseline" },
        { "poisoning: the golden set is the training set", "      kind: poisoning\n      settings:\n        training: eval\n        golden: eval\n", "SMG0003", 16, 17, "the same dataset 'eval'" },
        { "provenance: a subject pattern that does not compile", "      kind: provenance\n      settings:\n        artifacts: [{path: model.onnx}]\n        trustedRoot: root.json\n        identities: [{issuer: https://issuer.example, subjectPattern: '(unclosed'}]\n", "SMG0002", 17, 71, "not a valid regular expression" },
        { "provenance: a trusted root that is not JSON", "      kind: provenance\n      settings:\n        artifacts: [{path: model.onnx}]\n        trustedRoot: eval.csv\n        identities: [{issuer: https://issuer.example, subject: ci@example.com}]\n", "SMG0009", 16, 22, "eval.csv: the trusted root cannot be read" },
        { "stride-coverage: a threat model that does not exist", "      kind: stride-coverage\n      settings: {threatModel: nowhere.yaml}\n", "SMG0005", 14, 31, "threat model 'nowhere.yaml' does not exist" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Validate_reports_the_settings_error_at_its_line(string name, string rule, string code, int line, int column, string message)
    {
        using var repo = new ScratchRepository();
        new OnnxBuilder(4, 3).Initializer("w", new float[12], 4, 3).Node("MatMul", ["x", "w"], "logits").Save(repo.Full("model.onnx"));
        repo.Write("eval.csv", "0.1,0.2,0.3,0.4,1\n0.5,0.6,0.7,0.8,2\n");
        repo.Write("model.onnx.sigstore.json", "{}");
        var policy = repo.Write("policy.yaml", Header + rule);
        var output = new StringWriter();
        var exit = GateCommandLine.Run(["validate", policy, "--repo-root", repo.Path], output, output);
        Assert.True(exit == ExitCodes.InputError, $"{name}: {output}");
        Assert.Contains($"policy.yaml:{line}:{column}: error {code}: ", output.ToString());
        Assert.Contains(message, output.ToString());
    }

    [Fact]
    public void Validate_reports_a_dangling_flow_in_the_threat_model_a_rule_reads()
    {
        using var repo = new ScratchRepository();
        repo.Write("threat-model.yaml", Support.Policies.ThreatModel(Support.Policies.AssessedEntity + """

                - id: DF-1
                  name: Upload
                  type: data-flow
                  from: EE-1
                  to: P-9
            """));
        var policy = repo.Write("policy.yaml", Support.Policies.StridePolicy());
        var output = new StringWriter();
        Assert.Equal(ExitCodes.InputError, GateCommandLine.Run(["validate", policy, "--repo-root", repo.Path], output, output));
        Assert.Contains("threat-model.yaml:15:7: error SMG0003: data flow DF-1 names 'P-9' as 'to'", output.ToString());
    }
}
