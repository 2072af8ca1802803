using SecMLOps.Gates.Data;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;
using SecMLOps.Gates.Robustness;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>
/// Everything the gate runs in libtorch and ONNX Runtime, on the sample's real classifiers, makes its
/// tensors inside dispose scopes, which hold them while native code reads them: a temporary made
/// outside one is left to the finalizer, which can free it mid-call (a chain of such temporaries under
/// <see cref="FinalizerPressure"/> crashed the test host in every one of 8 runs, and inside a scope
/// in none of 4; in normal runs the gate crashed about once in four full test runs, exit 139 in a
/// build). The runs here also go on under that pressure.
/// </summary>
[Trait("Layer", "slow")]
[Collection(LibTorchCollection.Name)]
public sealed class FinalizerRaceTests
{
    /// <summary>Every attack of the catalogue, both DeepFool norms, on both model formats, normalization applied outside the graph.</summary>
    [Theory]
    [InlineData("classifier-pgd.onnx", "onnx")]
    [InlineData("classifier-pgd.torchscript.pt", "torchscript")]
    public async Task Every_attack_runs_while_the_garbage_collector_runs_finalizers(string model, string format)
    {
        using var scenario = new RobustnessScenario();
        File.Copy(RepositoryLayout.SampleModels(model), scenario.Full("model"));
        File.Copy(RepositoryLayout.SampleModels("evaluation-images.idx.gz"), scenario.Full("images.gz"));
        File.Copy(RepositoryLayout.SampleModels("evaluation-labels.idx.gz"), scenario.Full("labels.gz"));
        SecMLOps.Gates.Engine.EvaluationReport report;
        long outside;
        await using (new FinalizerPressure())
        {
            var before = FinalizerPressure.TensorsMadeOutsideScopes;
            report = scenario.Evaluate(
                $"{{path: model, format: {format}, inputShape: [1, 28, 28], valueRange: [0, 1]}}",
                "{path: images.gz, labels: labels.gz, format: idx}",
                """
                        dataset: eval
                        sampleCount: 24
                        batchSize: 8
                        sanity: {samples: 8}
                        attacks:
                          - {name: fgsm, eps: [0.03]}
                          - {name: pgd, eps: [0.03], steps: 3}
                          - {name: apgd-ce, eps: [0.03], steps: 4}
                          - {name: apgd-dlr, eps: [0.03], steps: 4}
                          - {name: apgd-t, eps: [0.03], steps: 4, targets: 2}
                          - {name: deepfool, xi: [0.02], eps: [0.03], maxIterations: 5}
                          - {name: deepfool, xi: [0.02], eps: [1.0], norm: l2, maxIterations: 5}
                          - {name: square, eps: [0.03], queries: 20}
                """);
            outside = FinalizerPressure.TensorsMadeOutsideScopes - before;
        }
        Assert.Equal(0, outside);
        Assert.DoesNotContain(report.Findings, f => f.Outcome == Outcome.Error);
        Assert.Contains(report.Findings, f => f.Finding.Subject.StartsWith("worst-case/", StringComparison.Ordinal));
    }

    /// <summary>The poisoning gate's model-level scoring: clean accuracy per class, the class count and the logits.</summary>
    [Fact]
    public async Task The_model_scorer_runs_while_the_garbage_collector_runs_finalizers()
    {
        var at = new SourceLocation("policy.yaml", 1, 1);
        var model = new ModelSpec(RepositoryLayout.SampleModels("classifier-pgd.onnx"), "onnx", [1, 28, 28], "NCHW", (0, 1), ([0.5], [0.5]), null, at);
        var dataset = new DatasetSpec("golden", RepositoryLayout.SampleModels("evaluation-images.idx.gz"), DatasetFormatCatalogue.BuiltIn.Find("idx")!, null, null, null, at, new(),
            new Dictionary<string, DatasetFile> { [DatasetFormat.LabelsKey] = new(RepositoryLayout.SampleModels("evaluation-labels.idx.gz"), null) });
        var scorer = new ModelScorer();
        await using (new FinalizerPressure())
        {
            for (var round = 0; round < 3; round++)
            {
                var before = FinalizerPressure.TensorsMadeOutsideScopes;
                Assert.Equal(10, scorer.ClassCount(model));
                Assert.Equal(500, scorer.Score(model, null, dataset).Total.Sum());
                Assert.Equal(500 * 10, scorer.Logits(model, dataset).Length);
                Assert.Equal(0, FinalizerPressure.TensorsMadeOutsideScopes - before);
            }
        }
    }
}
