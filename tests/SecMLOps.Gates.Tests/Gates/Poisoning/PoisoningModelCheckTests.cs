using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Tests.Robustness;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Gates.Poisoning;

/// <summary>The model-level checks on the sample's real classifiers and golden set.</summary>
[Trait("Layer", "slow")]
[Collection(LibTorchCollection.Name)]
public sealed class PoisoningModelCheckTests
{
    private static string Sample(string path) => Path.Combine(RepositoryLayout.Root, "samples", "ModelService", path);

    private static global::SecMLOps.Gates.Engine.EvaluationReport Evaluate(string modelSettings)
    {
        using var repo = new ScratchRepository();
        foreach (var file in new[] { "data/train-images-idx3-ubyte.gz", "data/train-labels-idx1-ubyte.gz", "data/golden-images-idx3-ubyte.gz", "data/golden-labels-idx1-ubyte.gz", "models/classifier-pgd.onnx", "models/classifier-undefended.onnx" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(repo.Full(file))!);
            File.Copy(Sample(file), repo.Full(file));
        }
        var digest = global::SecMLOps.Gates.Data.FileDigest.Sha256(repo.Full("data/golden-images-idx3-ubyte.gz"));
        var path = repo.Write("policy.yaml", $$"""
            apiVersion: secmlops.gates/v1
            kind: GatePolicy
            metadata: {name: model-check, version: 1.0.0, owners: [ml-team]}
            spec:
              model:
                path: models/classifier-pgd.onnx
                format: onnx
                inputShape: [1, 28, 28]
                valueRange: [0, 1]
                baseline: {path: models/classifier-undefended.onnx, format: onnx}
              datasets:
                training: {path: data/train-images-idx3-ubyte.gz, labels: data/train-labels-idx1-ubyte.gz, format: idx}
                golden: {path: data/golden-images-idx3-ubyte.gz, labels: data/golden-labels-idx1-ubyte.gz, format: idx, sha256: {{digest}} }
              rules:
                - id: POISON-MODEL
                  kind: poisoning
                  enforcement: hard-mandatory
                  severity: high
                  settings:
                    model: {{modelSettings}}
                    # The label check is not under test here: two folds on twenty components cost a third of the default.
                    labelConsistency: {folds: 2, components: 20}
            """);
        return new global::SecMLOps.Gates.Engine.GateEngine(global::SecMLOps.Gates.Cli.BuiltInGates.Registry).Evaluate(new global::SecMLOps.Gates.Engine.EvaluationRequest([path], repo.Root, Support.Policies.Today));
    }

    [Fact]
    public void A_class_whose_recall_collapses_against_the_baseline_fails_with_both_recalls()
    {
        var report = Evaluate("{minGoldenAccuracy: 0.7, maxRecallDrop: 0.25}");
        var drop = Assert.Single(report.Findings, f => f.Finding.Subject == "model/recall-drop");
        Assert.Equal(Outcome.Failed, drop.Outcome);
        Assert.Contains("class(es) 2 (78.3 % -> 50.9 %)", drop.Finding.Message);
        Assert.Equal(Outcome.Passed, Assert.Single(report.Findings, f => f.Finding.Subject == "model/golden-accuracy").Outcome);
        Assert.Equal(Outcome.Passed, Assert.Single(Evaluate("{maxRecallDrop: 0.3}").Findings, f => f.Finding.Subject == "model/recall-drop").Outcome);
    }

    [Fact]
    public void Accuracy_on_the_golden_set_below_the_threshold_fails()
    {
        var accuracy = Assert.Single(Evaluate("{minGoldenAccuracy: 0.9}").Findings, f => f.Finding.Subject == "model/golden-accuracy");
        Assert.Equal(Outcome.Failed, accuracy.Outcome);
        Assert.Contains("82.5 %", accuracy.Finding.Message);
    }
}
