using System.IO.Compression;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Robustness.Onnx;
using SecMLOps.Gates.Tests.Support;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Tests.Robustness;

[Collection(LibTorchCollection.Name)]
public sealed class RobustnessGateTests
{
    private const string FlatModel = "{path: model.onnx, format: onnx, inputShape: [4], inputLayout: flat, valueRange: [0, 1]}";
    private const string CsvDataset = "{path: eval.csv, format: csv}";
    private const string AllWhiteBoxAttacks = """
                    dataset: eval
                    attacks:
                      - {name: fgsm, eps: [0.1]}
                      - {name: pgd, eps: [0.1], steps: 5}
                      - {name: deepfool, xi: [0.02], eps: [0.1]}
        """;

    private static IEnumerable<(float[], int)> RandomRows(int count, Func<float[], int> label, int seed = 1)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var features = Enumerable.Range(0, 4).Select(_ => (float)random.NextDouble()).ToArray();
            yield return (features, label(features));
        }
    }

    [Fact]
    public void A_constant_classifiers_robust_accuracy_equals_its_clean_accuracy()
    {
        using var scenario = new RobustnessScenario();
        new OnnxBuilder(4, 3)
            .Initializer("w", new float[12], 4, 3).Initializer("b", [2f, 0f, 0f], 3)
            .Node("MatMul", ["x", "w"], "z").Node("Add", ["z", "b"], "logits")
            .Save(scenario.Full("model.onnx"));
        scenario.WriteCsv("eval.csv", RandomRows(50, f => f[0] < 0.4 ? 0 : 1));

        var report = scenario.Evaluate(FlatModel, CsvDataset, "            ensemble: false\n" + AllWhiteBoxAttacks);

        var clean = RobustnessScenario.Property(report, "worst-case/eps=0.1", "cleanAccuracy");
        Assert.InRange(clean, 0.2, 0.6);
        Assert.Equal(clean, RobustnessScenario.Property(report, "worst-case/eps=0.1", "robustAccuracy"), 6);
        foreach (var subject in new[] { "fgsm/eps=0.1", "pgd/eps=0.1", "deepfool/xi=0.02/eps=0.1", "square/eps=0.1" })
            Assert.Equal(clean, RobustnessScenario.Property(report, subject, "robustAccuracy"), 6);
    }

    [Fact]
    public void A_model_with_a_non_differentiable_input_quantiser_is_flagged_for_gradient_masking()
    {
        using var scenario = new RobustnessScenario();
        var weights = new float[] { 3, -2, 1, -1, 2, 1, -3, 2, -1, 1, 1, -2 };
        new OnnxBuilder(4, 3)
            .Initializer("four", [4f]).Initializer("w", weights, 4, 3)
            .Node("Mul", ["x", "four"], "scaled").Node("Round", ["scaled"], "levels").Node("Div", ["levels", "four"], "quantised")
            .Node("MatMul", ["quantised", "w"], "logits")
            .Save(scenario.Full("model.onnx"));
        using (var model = new OnnxRuntimeModel(scenario.Full("model.onnx")))
            scenario.WriteCsv("eval.csv", RandomRows(40, f => (int)model.Logits(tensor(f).unsqueeze(0)).argmax(1).item<long>()));

        var report = scenario.Evaluate(FlatModel, CsvDataset, "        dataset: eval\n        attacks:\n          - {name: fgsm, eps: [0.2]}");

        var zero = Assert.Single(report.Findings, f => f.Finding.Subject == "gradient-masking/zero-gradients");
        Assert.Equal(Outcome.Failed, zero.Outcome);
        Assert.Contains("gradient masking suspected", zero.Finding.Message);
        var operators = Assert.Single(report.Findings, f => f.Finding.Subject == "gradient-masking/operators");
        Assert.Equal(Outcome.Failed, operators.Outcome);
        Assert.Contains("Round (node 'levels')", operators.Finding.Message);
        Assert.Equal(Verdict.Failed, report.Verdict);
    }

    [Fact]
    public void The_onnx_executor_matches_onnx_runtime_on_a_written_model()
    {
        using var scenario = new RobustnessScenario();
        new OnnxBuilder(4, 3)
            .Initializer("w", [0.5f, -1, 2, 1, 0.25f, -0.5f, -2, 1, 0.5f, 1.5f, -1, 0], 4, 3).Initializer("b", [0.1f, -0.2f, 0.3f], 3)
            .Node("Gemm", ["x", "w", "b"], "z").Node("Relu", ["z"], "r").Node("Softmax", ["r"], "logits")
            .Save(scenario.Full("model.onnx"));
        var x = rand([16, 4], generator: new TorchSharp.torch.Generator(9));
        using var graph = OnnxGraphModel.Load(OnnxModelFile.Read(scenario.Full("model.onnx")));
        using var runtime = new OnnxRuntimeModel(scenario.Full("model.onnx"));
        Assert.True((graph.Logits(x) - runtime.Logits(x)).abs().max().item<float>() < 1e-6f);
    }

    [Fact]
    public void An_unsupported_operator_is_an_error_that_names_it()
    {
        using var scenario = new RobustnessScenario();
        new OnnxBuilder(4, 4).Node("Erf", ["x"], "logits").Save(scenario.Full("model.onnx"));
        scenario.WriteCsv("eval.csv", RandomRows(5, _ => 0));
        var report = scenario.Evaluate(FlatModel, CsvDataset, AllWhiteBoxAttacks);
        var error = Assert.Single(report.Findings);
        Assert.Equal(EngineRules.UnsupportedModelFeature.Id, error.Rule.Id);
        Assert.Contains("operator Erf", error.Finding.Message);
        Assert.Equal(Verdict.Error, report.Verdict);
    }

    [Fact]
    public void A_pickle_checkpoint_is_refused_with_an_explanation()
    {
        using var scenario = new RobustnessScenario();
        using (var zip = ZipFile.Open(scenario.Full("model.pt"), ZipArchiveMode.Create))
            zip.CreateEntry("archive/data.pkl").Open().Dispose();
        scenario.WriteCsv("eval.csv", RandomRows(5, _ => 0));
        var report = scenario.Evaluate("{path: model.pt, format: torchscript, inputShape: [4], valueRange: [0, 1]}", CsvDataset, AllWhiteBoxAttacks);
        var error = Assert.Single(report.Findings);
        Assert.Contains("pickle checkpoint", error.Finding.Message);
        Assert.Contains("torch.jit.script", error.Finding.Message);
    }

    [Fact]
    public void A_missing_model_is_an_input_error_at_the_model()
    {
        using var scenario = new RobustnessScenario();
        scenario.WriteCsv("eval.csv", RandomRows(5, _ => 0));
        var report = scenario.Evaluate(FlatModel, CsvDataset, AllWhiteBoxAttacks);
        var error = Assert.Single(report.Findings);
        Assert.Equal(EngineRules.InputMissing.Id, error.Rule.Id);
        Assert.Equal(8, error.Finding.Locations[0].Line);
    }

    [Fact]
    public void An_attack_and_strength_listed_twice_is_an_error_at_the_second_entry()
    {
        using var scenario = new RobustnessScenario();
        new OnnxBuilder(4, 3).Initializer("w", new float[12], 4, 3).Node("MatMul", ["x", "w"], "logits").Save(scenario.Full("model.onnx"));
        scenario.WriteCsv("eval.csv", RandomRows(5, _ => 0));
        var report = scenario.Evaluate(FlatModel, CsvDataset, """
                    dataset: eval
                    attacks:
                      - {name: deepfool, xi: [0.02], eps: [0.1], maxIterations: 50}
                      - {name: deepfool, xi: [0.02, 0.03], eps: [0.1], maxIterations: 500}
            """);
        var error = Assert.Single(report.Findings);
        Assert.Equal(EngineRules.SchemaViolation.Id, error.Rule.Id);
        Assert.Contains("deepfool/xi=0.02/eps=0.1 twice", error.Finding.Message);
        Assert.Equal(20, error.Finding.Locations[0].Line);
    }

    [Fact]
    public void The_wilson_interval_brackets_the_estimate()
    {
        var (low, high) = SecMLOps.Gates.Robustness.ConfidenceInterval.Wilson95(0.73, 100);
        Assert.Equal(0.636, low, 3);
        Assert.Equal(0.807, high, 3);
    }
}
