using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Robustness.Onnx;
using SecMLOps.Gates.Tests.Support;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>
/// Models built to get a pass they do not deserve: each is weak (a linear boundary within reach of the
/// budget) behind something that defeats one attack, or that defeats each attack on different samples.
/// The rule must not pass, and the finding that stops it must say why.
/// </summary>
[Collection(LibTorchCollection.Name)]
public sealed class ModelsBuiltToDefeatAttacksTests
{
    private const string FlatModel = "{path: model.onnx, format: onnx, inputShape: [4], inputLayout: flat, valueRange: [0, 1]}";
    private const string CsvDataset = "{path: eval.csv, format: csv}";

    /// <summary>A weak linear classifier over 4 features and 3 classes: most uniform samples are within 0.2 of its boundary.</summary>
    private static readonly float[] Weak = [3, -2, 1, -1, 2, 1, -3, 2, -1, 1, 1, -2];

    private static List<(float[] Features, int Label)> LabelledBy(string model, int count, int seed = 3)
    {
        var random = new Random(seed);
        using var runtime = new OnnxRuntimeModel(model);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var features = Enumerable.Range(0, 4).Select(_ => (float)random.NextDouble()).ToArray();
            using var logits = runtime.Logits(tensor(features).unsqueeze(0));
            return (features, (int)logits.argmax(1).item<long>());
        }).ToList();
    }

    private static ReportedFinding Failed(EvaluationReport report, string subject)
    {
        var finding = Assert.Single(report.Findings, f => f.Finding.Subject == subject);
        Assert.True(finding.Outcome == Outcome.Failed, $"{subject}: {finding.Outcome}: {finding.Finding.Message}");
        return finding;
    }

    [Fact]
    public void Two_attacks_that_each_break_a_disjoint_15_percent_fail_the_worst_case_while_each_alone_would_pass()
    {
        // Logits z0 = 0, z1 = 0.1 x0 + 100 relu(x0 - 0.5) + p1 + q1 s, z2 = x1 + x2 + p2 + q2 s, with s = sigmoid(60 x3 - 30) a
        // region switch. Where x0 sits just below the kink at 0.5, FGSM's full step crosses it (class 1) while DeepFool,
        // misled by the flat slope, heads for class 2, out of reach; where x0 is far from the kink and class 2 is close,
        // DeepFool reaches class 2 while FGSM follows the top other class, 1, and gets nowhere.
        using var scenario = new RobustnessScenario();
        new OnnxBuilder(4, 3)
            .Initializer("wPre", [1, 0, 0, 0, 0, 0, 0, 60], 4, 2).Initializer("bPre", [-0.5f, -30], 2)
            .Initializer("wX", [0, 0.1f, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0], 4, 3)
            .Initializer("wRelu", [0, 100, 0, 0, 0, 0], 2, 3)
            .Initializer("wSwitch", [0, 0, 0, 0, -0.985f, -1.9f], 2, 3)
            .Initializer("bias", [0, -0.06f, -0.1f], 3)
            .Node("MatMul", ["x", "wPre"], "preLinear").Node("Add", ["preLinear", "bPre"], "pre")
            .Node("Relu", ["pre"], "kink").Node("Sigmoid", ["pre"], "switch")
            .Node("MatMul", ["x", "wX"], "direct").Node("MatMul", ["kink", "wRelu"], "viaKink").Node("MatMul", ["switch", "wSwitch"], "viaSwitch")
            .Node("Add", ["direct", "viaKink"], "partial").Node("Add", ["partial", "viaSwitch"], "unbiased").Node("Add", ["unbiased", "bias"], "logits")
            .Save(scenario.Full("model.onnx"));
        var fgsmOnly = Enumerable.Repeat((new[] { 0.45f, 0, 0, 1 }, 0), 15);
        var deepFoolOnly = Enumerable.Repeat((new[] { 0.1f, 0, 0, 0 }, 0), 15);
        var robust = Enumerable.Repeat((new[] { 0.1f, 0, 0, 1 }, 0), 70);
        scenario.WriteCsv("eval.csv", fgsmOnly.Concat(deepFoolOnly).Concat(robust));

        var report = scenario.Evaluate(FlatModel, CsvDataset, """
                    dataset: eval
                    minRatioOfBaseline: 0.8
                    decideOn: point
                    ensemble: false
                    attacks:
                      - {name: fgsm, eps: [0.1]}
                      - {name: deepfool, xi: [0.02], eps: [0.1]}
                    gradientMasking: {blackBox: false}
            """);

        Assert.Equal(1.0, RobustnessScenario.Property(report, "worst-case/eps=0.1", "cleanAccuracy"));
        Assert.Equal(0.85, RobustnessScenario.Property(report, "fgsm/eps=0.1", "robustAccuracy"), 6);
        Assert.Equal(0.85, RobustnessScenario.Property(report, "deepfool/xi=0.02/eps=0.1", "robustAccuracy"), 6);
        var worst = Failed(report, "worst-case/eps=0.1");
        Assert.Equal(0.70, RobustnessScenario.Property(report, "worst-case/eps=0.1", "robustAccuracy"), 6);
        Assert.Contains("fgsm/eps=0.1 15", worst.Finding.Message);
        Assert.Contains("deepfool/xi=0.02/eps=0.1 15", worst.Finding.Message);
        Assert.Equal(Verdict.Failed, report.Verdict);
    }

    /// <summary>
    /// Round() blocks the gradient of the real decision; the tiny linear term keeps gradients from
    /// being exactly zero, so only the operator check and the black-box attack can see through it.
    /// </summary>
    private static void QuantisedInputs(RobustnessScenario scenario, int samples)
    {
        var random = new Random(5);
        new OnnxBuilder(4, 3)
            .Initializer("four", [4f]).Initializer("w", Weak, 4, 3)
            .Initializer("tiny", Enumerable.Range(0, 12).Select(_ => (float)(random.NextDouble() - 0.5) * 1e-4f).ToArray(), 4, 3)
            .Node("Mul", ["x", "four"], "scaled").Node("Round", ["scaled"], "levels").Node("Div", ["levels", "four"], "quantised")
            .Node("MatMul", ["quantised", "w"], "decision").Node("MatMul", ["x", "tiny"], "leak").Node("Add", ["decision", "leak"], "logits")
            .Save(scenario.Full("model.onnx"));
        scenario.WriteCsv("eval.csv", LabelledBy(scenario.Full("model.onnx"), samples));
    }

    [Fact]
    public void Input_quantisation_plus_a_tiny_random_linear_term_does_not_pass()
    {
        using var scenario = new RobustnessScenario();
        QuantisedInputs(scenario, 60);

        var report = scenario.Evaluate(FlatModel, CsvDataset, "        dataset: eval\n        attacks:\n          - {name: pgd, eps: [0.05, 0.1, 0.2], steps: 10}");

        Assert.Equal(Verdict.Failed, report.Verdict);
        Assert.Contains("Round (node 'levels')", Failed(report, "gradient-masking/operators").Finding.Message);
        Assert.Contains("gradient masking suspected", Failed(report, "gradient-masking/black-box-gap/eps=0.2").Finding.Message);
        // The gate's probe runs once, at the largest strength, which decides the verdict.
        var probes = report.Findings.Select(f => f.Finding.Subject).Where(s => s.StartsWith("square/", StringComparison.Ordinal) || s.StartsWith("gradient-masking/black-box-gap/", StringComparison.Ordinal));
        Assert.Equal(["gradient-masking/black-box-gap/eps=0.2", "square/eps=0.2"], probes.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void On_a_large_set_the_gates_black_box_probe_attacks_a_sample_of_the_survivors_and_still_catches_quantisation()
    {
        using var scenario = new RobustnessScenario();
        QuantisedInputs(scenario, 1_500);
        const string pgdOnly = "        dataset: eval\n        attacks:\n          - {name: pgd, eps: [0.2], steps: 10}";

        var probed = scenario.Evaluate(FlatModel, CsvDataset, pgdOnly);

        Assert.Equal(Verdict.Failed, probed.Verdict);
        var (attacked, survivors) = (RobustnessScenario.Property(probed, "square/eps=0.2", "attackedSamples"), RobustnessScenario.Property(probed, "square/eps=0.2", "probedFrom"));
        Assert.True(attacked < survivors, $"{attacked} of {survivors}");
        // Drawn atom by atom (12 batches of 128), each atom's share rounded up: at most one more a batch.
        Assert.InRange(attacked, Math.Ceiling(6 * survivors / (0.02 * 1_500)), Math.Ceiling(6 * survivors / (0.02 * 1_500)) + 12);
        var gap = Failed(probed, "gradient-masking/black-box-gap/eps=0.2");
        Assert.Contains("gradient masking suspected", gap.Finding.Message);
        Assert.Contains($"of the {attacked} samples it probed", gap.Finding.Message);

        // A black-box attack the policy lists is an attack of the verdict: it runs on every survivor.
        var listed = scenario.Evaluate(FlatModel, CsvDataset, pgdOnly + "\n          - {name: square, eps: [0.2]}");
        var square = Assert.Single(listed.Findings, f => f.Finding.Subject == "square/eps=0.2").Finding;
        Assert.False(square.Properties!.ContainsKey("probedFrom"));
        Assert.Equal(survivors, Convert.ToDouble(square.Properties["attackedSamples"]));
        Assert.Equal(Verdict.Failed, listed.Verdict);
    }

    [Fact]
    public void Gaussian_noise_in_the_forward_pass_does_not_pass()
    {
        using var scenario = new RobustnessScenario();
        new OnnxBuilder(4, 3)
            .Initializer("w", Weak, 4, 3)
            .Node("RandomNormalLike", ["x"], "noise", OnnxBuilder.FloatAttribute("scale", 0.05f))
            .Node("Add", ["x", "noise"], "noisy").Node("MatMul", ["noisy", "w"], "logits")
            .Save(scenario.Full("model.onnx"));
        scenario.WriteCsv("eval.csv", LabelledBy(scenario.Full("model.onnx"), 60));

        var report = scenario.Evaluate(FlatModel, CsvDataset, "        dataset: eval\n        attacks:\n          - {name: pgd, eps: [0.2], steps: 10}");

        Assert.Equal(Verdict.Failed, report.Verdict);
        Assert.Contains("random", Failed(report, "gradient-masking/randomness").Finding.Message);
        // Attacked with gradients averaged over the noise (EOT), the weak boundary is still found.
        Failed(report, "worst-case/eps=0.2");
    }

    [Fact]
    public void Softmax_outputs_do_not_pass()
    {
        using var scenario = new RobustnessScenario();
        new OnnxBuilder(4, 3)
            .Initializer("w", Weak.Select(v => v * 50).ToArray(), 4, 3)
            .Node("MatMul", ["x", "w"], "z").Node("Softmax", ["z"], "logits", OnnxBuilder.IntAttribute("axis", 1))
            .Save(scenario.Full("model.onnx"));
        scenario.WriteCsv("eval.csv", LabelledBy(scenario.Full("model.onnx"), 60));

        var report = scenario.Evaluate(FlatModel, CsvDataset, "        dataset: eval\n        attacks:\n          - {name: fgsm, eps: [0.2]}\n          - {name: pgd, eps: [0.2], steps: 10}");

        Assert.Equal(Verdict.Failed, report.Verdict);
        Assert.Contains("probabilities", Assert.Single(report.Findings, f => f.Finding.Subject == "gradient-masking/probability-outputs").Finding.Message);
        Failed(report, "worst-case/eps=0.2");
    }

    [Fact]
    public void Logits_multiplied_by_1000_do_not_pass_even_against_cross_entropy()
    {
        using var scenario = new RobustnessScenario();
        new OnnxBuilder(4, 3)
            .Initializer("w", Weak.Select(v => v * 1000).ToArray(), 4, 3)
            .Node("MatMul", ["x", "w"], "logits")
            .Save(scenario.Full("model.onnx"));
        scenario.WriteCsv("eval.csv", LabelledBy(scenario.Full("model.onnx"), 60));

        var report = scenario.Evaluate(FlatModel, CsvDataset, "        dataset: eval\n        loss: cross-entropy\n        attacks:\n          - {name: fgsm, eps: [0.2]}\n          - {name: apgd-ce, eps: [0.2], steps: 20}");

        Assert.Equal(Verdict.Failed, report.Verdict);
        Assert.True(RobustnessScenario.Property(report, "worst-case/eps=0.2", "robustAccuracy") < 0.5);
        Failed(report, "worst-case/eps=0.2");
    }

    [Fact]
    public void Samples_wrong_when_clean_never_count_as_robust_when_an_attack_makes_them_right()
    {
        using var scenario = new RobustnessScenario();
        new OnnxBuilder(4, 3).Initializer("w", Weak, 4, 3).Node("MatMul", ["x", "w"], "logits").Save(scenario.Full("model.onnx"));
        // A third of the labels disagree with the model; margin attacks push those samples towards other classes, some onto the label.
        var rows = LabelledBy(scenario.Full("model.onnx"), 90).Select((r, i) => i % 3 == 0 ? (r.Features, (r.Label + 1) % 3) : r).ToList();
        scenario.WriteCsv("eval.csv", rows);

        var report = scenario.Evaluate(FlatModel, CsvDataset, """
                    dataset: eval
                    ensemble: false
                    attacks:
                      - {name: fgsm, eps: [0.05, 0.2]}
                      - {name: pgd, eps: [0.05, 0.2], steps: 10}
                      - {name: deepfool, xi: [0.02], eps: [0.05, 0.2]}
            """);

        var clean = RobustnessScenario.Property(report, "worst-case/eps=0.05", "cleanAccuracy");
        Assert.InRange(clean, 0.6, 0.7);
        foreach (var finding in report.Findings.Where(f => f.Finding.Properties?.ContainsKey("robustAccuracy") == true))
            Assert.True(Convert.ToDouble(finding.Finding.Properties!["robustAccuracy"]) <= clean, finding.Finding.Message);
    }
}
