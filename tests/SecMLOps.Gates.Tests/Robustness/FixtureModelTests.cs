using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Robustness.Attacks;
using SecMLOps.Gates.Robustness.Models;
using SecMLOps.Gates.Robustness.Models.TorchScript;
using SecMLOps.Gates.Robustness.Onnx;
using SecMLOps.Gates.Tests.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>
/// The real classifiers in ../shared/fixtures/classifiers: the ONNX executor against ONNX Runtime,
/// and the figures their PROVENANCE.md states, within 1 percentage point. PGD runs without a random
/// start here, as the reference did (with one, figures move by about a point), and every attack runs
/// alone on every sample (ensemble: false) without the added black-box attack, as the references did.
/// </summary>
[Trait("Layer", "slow")]
[Collection(LibTorchCollection.Name)]
public sealed class FixtureModelTests(ITestOutputHelper output)
{
    /// <summary>One percentage point, and a little for the float rounding of a fraction.</summary>
    private const double OnePoint = 0.01 + 1e-9;

    /// <summary>Each attack alone, as the references ran them, and no black-box attack added.</summary>
    private const string AsReferences = "        ensemble: false\n        gradientMasking: {blackBox: false}\n";

    private static Tensor MnistRows(int count, float scale)
    {
        var images = IdxFiles.ReadImages(RepositoryLayout.Fixture("datasets", "mnist-test-idx", "t10k-images-idx3-ubyte.gz"));
        return tensor(images[..(count * 784)].Select(b => b * scale).ToArray(), [count, 1, 28, 28]);
    }

    private static long[] MnistLabels(int count) =>
        IdxFiles.ReadLabels(RepositoryLayout.Fixture("datasets", "mnist-test-idx", "t10k-labels-idx1-ubyte.gz"))[..count].Select(b => (long)b).ToArray();

    private static (Tensor Images, long[] Labels) CifarRows()
    {
        var rows = File.ReadAllLines(RepositoryLayout.Fixture("datasets", "eran-test-subsets", "cifar10_test_100.csv")).Select(l => l.Split(',').Select(float.Parse).ToArray()).ToList();
        var values = rows.SelectMany(r => r[1..].Select(v => v / 255f)).ToArray();
        var images = tensor(values, [rows.Count, 32, 32, 3]).permute(0, 3, 1, 2).contiguous();
        var mean = tensor(new[] { 0.485f, 0.456f, 0.406f }).reshape(1, 3, 1, 1);
        return ((images - mean) / 0.225f, rows.Select(r => (long)r[0]).ToArray());
    }

    public static TheoryData<string, string> OnnxModels => new()
    {
        { "mnist-8/mnist-8.onnx", "mnist-255" },
        { "mnist-marabou/mnist2x10.onnx", "mnist-01" },
        { "mnist-marabou/cnn_max_mninst2.onnx", "mnist-01-nhwc" },
        { "cifar10-oval-base-kw/cifar_base_kw_simp.onnx", "cifar" },
    };

    [FixtureTheory]
    [MemberData(nameof(OnnxModels))]
    public void The_onnx_executor_matches_onnx_runtime_within_1e_4(string model, string data)
    {
        var inputs = data switch
        {
            "mnist-255" => MnistRows(50, 1f),
            "mnist-01" => MnistRows(50, 1f / 255),
            "mnist-01-nhwc" => MnistRows(50, 1f / 255).permute(0, 2, 3, 1).contiguous(),
            _ => CifarRows().Images[..50],
        };
        var path = RepositoryLayout.Fixture(["classifiers", .. model.Split('/')]);
        using var graph = OnnxGraphModel.Load(OnnxModelFile.Read(path));
        using var runtime = new OnnxRuntimeModel(path);
        var expected = runtime.Logits(inputs);
        var difference = (graph.Logits(inputs) - expected).abs().max().item<float>();
        var scale = Math.Max(1f, expected.abs().max().item<float>());
        output.WriteLine($"{model}: max |executor - ONNX Runtime| = {difference:g3} on logits up to {scale:g4}");
        // Float32 logits in the thousands (mnist-8) carry ~1e-4 relative rounding: compare relative to their size.
        Assert.True(difference <= 1e-4f * scale, $"{difference} > 1e-4 x {scale}");
    }

    [FixtureFact]
    public void The_derived_torchscript_mnist_8_matches_its_onnx_original()
    {
        using var script = TorchScriptModel.Load(RepositoryLayout.Fixture("classifiers", "derived-torchscript", "mnist-8.torchscript.pt"));
        using var runtime = new OnnxRuntimeModel(RepositoryLayout.Fixture("classifiers", "mnist-8", "mnist-8.onnx"));
        var inputs = MnistRows(20, 1f);
        var expected = runtime.Logits(inputs);
        Assert.True((script.Logits(inputs) - expected).abs().max().item<float>() <= 1e-4f * expected.abs().max().item<float>());
    }

    [FixtureTheory]
    [InlineData("mnist-8/mnist-8.onnx", 1f, 0.9891)]
    [InlineData("mnist-marabou/mnist2x10.onnx", 1f / 255, 0.9226)]
    [InlineData("mnist-marabou/cnn_max_mninst2.onnx", 1f / 255, 0.9823)]
    public void Clean_accuracy_on_the_mnist_test_set_reproduces_provenance_within_one_point(string model, float scale, double expected)
    {
        var inputs = MnistRows(10000, scale);
        if (model.Contains("cnn_max")) inputs = inputs.permute(0, 2, 3, 1).contiguous();
        using var runtime = new OnnxRuntimeModel(RepositoryLayout.Fixture(["classifiers", .. model.Split('/')]));
        var predictions = cat(Enumerable.Range(0, 20).Select(i => runtime.Logits(inputs.narrow(0, i * 500, 500)).argmax(1)).ToList(), 0);
        var accuracy = predictions.eq(tensor(MnistLabels(10000))).to_type(ScalarType.Float32).mean().item<float>();
        output.WriteLine($"{model}: {accuracy:P2} (PROVENANCE.md: {expected:P2})");
        Assert.InRange(accuracy, expected - 0.01, expected + 0.01);
    }

    [FixtureFact]
    public void The_robust_cifar_model_reproduces_its_fgsm_and_pgd_figures_through_the_gate()
    {
        using var scenario = new RobustnessScenario();
        scenario.CopyFixture("classifiers/cifar10-oval-base-kw/cifar_base_kw_simp.onnx", "model.onnx");
        scenario.CopyFixture("datasets/eran-test-subsets/cifar10_test_100.csv", "eval.csv");
        var report = scenario.Evaluate(
            "{path: model.onnx, format: onnx, inputShape: [3, 32, 32], inputLayout: NCHW, valueRange: [0, 1], normalization: {mean: [0.485, 0.456, 0.406], std: [0.225, 0.225, 0.225]}}",
            "{path: eval.csv, format: csv, labelColumn: 0, valueRange: [0, 255], layout: HWC}",
            AsReferences + """
                    dataset: eval
                    loss: cross-entropy
                    decideOn: point
                    attacks:
                      - {name: fgsm, eps: [0.00784314, 0.01568627]}
                      - {name: pgd, eps: [0.00784314, 0.01568627], steps: 20, randomStart: false}
            """);
        // PROVENANCE.md: clean 73 %; FGSM 64 % and 48 %; PGD-20 65 % and 50 %. The worst case passes at 2/255 and fails at 4/255.
        Assert.Equal(0.73, RobustnessScenario.Property(report, "worst-case/eps=0.00784314", "cleanAccuracy"), 2);
        foreach (var (subject, expected) in new[] { ("fgsm/eps=0.00784314", 0.64), ("fgsm/eps=0.01568627", 0.48), ("pgd/eps=0.00784314", 0.65), ("pgd/eps=0.01568627", 0.50) })
            AssertRobustAccuracy(report, subject, expected, "cifar");
        Assert.Equal(Outcome.Passed, Assert.Single(report.Findings, f => f.Finding.Subject == "worst-case/eps=0.00784314").Outcome);
        Assert.Equal(Outcome.Failed, Assert.Single(report.Findings, f => f.Finding.Subject == "worst-case/eps=0.01568627").Outcome);
    }

    [FixtureFact]
    public void Apgd_ce_at_8_of_255_on_the_robust_cifar_model_is_at_least_as_strong_as_pgd_20()
    {
        using var scenario = new RobustnessScenario();
        scenario.CopyFixture("classifiers/cifar10-oval-base-kw/cifar_base_kw_simp.onnx", "model.onnx");
        scenario.CopyFixture("datasets/eran-test-subsets/cifar10_test_100.csv", "eval.csv");
        var report = scenario.Evaluate(
            "{path: model.onnx, format: onnx, inputShape: [3, 32, 32], inputLayout: NCHW, valueRange: [0, 1], normalization: {mean: [0.485, 0.456, 0.406], std: [0.225, 0.225, 0.225]}}",
            "{path: eval.csv, format: csv, labelColumn: 0, valueRange: [0, 255], layout: HWC}",
            AsReferences + """
                    dataset: eval
                    decideOn: point
                    attacks:
                      - {name: pgd, eps: [0.03137255], steps: 20}
                      - {name: apgd-ce, eps: [0.03137255], steps: 100}
            """);
        var pgd = RobustnessScenario.Property(report, "pgd/eps=0.03137255", "robustAccuracy");
        var apgd = RobustnessScenario.Property(report, "apgd-ce/eps=0.03137255", "robustAccuracy");
        output.WriteLine($"cifar at eps 8/255: clean {RobustnessScenario.Property(report, "worst-case/eps=0.03137255", "cleanAccuracy"):P1}, PGD-20 {pgd:P1}, APGD-CE (100 iterations) {apgd:P1}");
        // Both draw random starts: with another draw either breaks an image more or less of these 100.
        // APGD-CE may leave at most that one image more robust than PGD-20.
        Assert.True(apgd <= pgd + 0.01 + 1e-9, $"APGD-CE {apgd:P1} above PGD-20 {pgd:P1} by more than one image");
    }

    [FixtureTheory]
    [InlineData("cifar", 0.376)]
    [InlineData("mnist-8", 1.24)]
    public void DeepFool_l2_median_minimal_perturbation_is_near_the_provenance_figure(string model, double expectedMedianL2)
    {
        using var scenario = new RobustnessScenario();
        string modelSpec, dataSpec;
        if (model == "cifar")
        {
            scenario.CopyFixture("classifiers/cifar10-oval-base-kw/cifar_base_kw_simp.onnx", "model.onnx");
            scenario.CopyFixture("datasets/eran-test-subsets/cifar10_test_100.csv", "eval.csv");
            modelSpec = "{path: model.onnx, format: onnx, inputShape: [3, 32, 32], inputLayout: NCHW, valueRange: [0, 1], normalization: {mean: [0.485, 0.456, 0.406], std: [0.225, 0.225, 0.225]}}";
            dataSpec = "{path: eval.csv, format: csv, labelColumn: 0, valueRange: [0, 255], layout: HWC}";
        }
        else
        {
            scenario.CopyFixture("classifiers/mnist-8/mnist-8.onnx", "model.onnx");
            scenario.CopyFixture("datasets/eran-test-subsets/mnist_test_100.csv", "eval.csv");
            modelSpec = "{path: model.onnx, format: onnx, inputShape: [1, 28, 28], valueRange: [0, 255]}";
            dataSpec = "{path: eval.csv, format: csv, labelColumn: 0, valueRange: [0, 255]}";
        }
        var report = scenario.Evaluate(modelSpec, dataSpec, AsReferences + "        dataset: eval\n        attacks:\n          - {name: deepfool, xi: [0.02], eps: [1.0], norm: l2, maxIterations: 50}");
        var median = RobustnessScenario.Property(report, "deepfool/xi=0.02/eps=1", "medianPerturbationL2");
        var robust = RobustnessScenario.Property(report, "deepfool/xi=0.02/eps=1", "robustAccuracy");
        output.WriteLine($"{model}: DeepFool L2 leaves robust accuracy {robust:P0}; median L2 {median:0.###} (PROVENANCE.md: {expectedMedianL2})");
        // PROVENANCE.md: DeepFool flips 100 of 100. Here perturbations stay inside the valid input range and the median is
        // taken over the correctly classified samples, so the figure is compared as a band rather than a point.
        Assert.Equal(0, robust);
        Assert.InRange(median, expectedMedianL2 * 0.8, expectedMedianL2 * 1.25);
    }

    /// <summary>
    /// The reference attacked every image from its predicted label and did not keep perturbed inputs inside the valid
    /// range; with the same choices the DeepFool class reproduces its median (the gate's own figure, above, stays in range).
    /// </summary>
    [FixtureTheory]
    [InlineData("mnist-8", 1.24)]
    [InlineData("cifar", 0.376)]
    public void DeepFool_l2_unboxed_from_predicted_labels_reproduces_the_provenance_median(string model, double expectedMedianL2)
    {
        Tensor inputs;
        float unit;
        IClassifierModel classifier;
        Func<Tensor, Tensor> logits;
        if (model == "cifar")
        {
            var (normalized, _) = CifarRows();
            var mean = tensor(new[] { 0.485f, 0.456f, 0.406f }).reshape(1, 3, 1, 1);
            inputs = normalized * 0.225f + mean;
            unit = 1f;
            classifier = OnnxGraphModel.Load(OnnxModelFile.Read(RepositoryLayout.Fixture("classifiers", "cifar10-oval-base-kw", "cifar_base_kw_simp.onnx")));
            logits = x => classifier.Logits((x - mean) / 0.225f);
        }
        else
        {
            inputs = MnistRows(100, 1f);
            unit = 255f;
            classifier = OnnxGraphModel.Load(OnnxModelFile.Read(RepositoryLayout.Fixture("classifiers", "mnist-8", "mnist-8.onnx")));
            logits = classifier.Logits;
        }
        using var _ = classifier;
        var target = new AttackTarget(logits, double.NegativeInfinity, double.PositiveInfinity, new TorchSharp.torch.Generator(0));
        var predicted = target.Predict(inputs);

        var adversarial = new DeepFool(0.02, 50, PerturbationNorm.L2).Run(target, inputs, predicted);

        var flipped = target.Predict(adversarial).ne(predicted).sum().item<long>();
        var sizes = ((adversarial - inputs).flatten(1).norm(1, keepdim: false) / unit).data<float>().ToArray().Order().ToArray();
        var median = (sizes[49] + sizes[50]) / 2;
        output.WriteLine($"{model}: DeepFool L2 from predicted labels, no box: flips {flipped}/100, median L2 {median:0.###} (PROVENANCE.md: {expectedMedianL2})");
        Assert.Equal(100, flipped);
        Assert.InRange(median, expectedMedianL2 * 0.97, expectedMedianL2 * 1.03);
    }

    [FixtureFact]
    public void Mnist_8_saturates_cross_entropy_the_margin_loss_exposes_it_and_masking_is_reported()
    {
        using var scenario = new RobustnessScenario();
        scenario.CopyFixture("classifiers/mnist-8/mnist-8.onnx", "model.onnx");
        var data = WriteFirstMnistTestImages(scenario, 1000);
        const string model = "{path: model.onnx, format: onnx, inputShape: [1, 28, 28], valueRange: [0, 255]}";

        var crossEntropy = scenario.Evaluate(model, data, AsReferences + "        dataset: eval\n        loss: cross-entropy\n        attacks:\n          - {name: fgsm, eps: [0.1]}");
        var masked = RobustnessScenario.Property(crossEntropy, "gradient-masking/zero-gradients", "zeroGradientFraction");
        output.WriteLine($"mnist-8, cross-entropy: {masked:P1} of samples have all-zero gradients; FGSM eps 0.1 leaves {RobustnessScenario.Property(crossEntropy, "fgsm/eps=0.1", "robustAccuracy"):P1}");
        Assert.True(masked > 0.9);
        Assert.Equal(Outcome.Failed, Assert.Single(crossEntropy.Findings, f => f.Finding.Subject == "gradient-masking/zero-gradients").Outcome);

        var margin = scenario.Evaluate(model, data, AsReferences + "        dataset: eval\n        attacks:\n          - {name: fgsm, eps: [0.05, 0.1]}\n          - {name: pgd, eps: [0.05, 0.1], steps: 20, randomStart: false}");
        // PROVENANCE.md, first 1000 images, margin loss: FGSM 90.5 % at 0.05, 69.9 % at 0.10; PGD-20 84.3 % and 29.9 %; clean 98.7 %.
        Assert.Equal(0.987, RobustnessScenario.Property(margin, "worst-case/eps=0.1", "cleanAccuracy"), 2);
        foreach (var (subject, expected) in new[] { ("fgsm/eps=0.05", 0.905), ("fgsm/eps=0.1", 0.699), ("pgd/eps=0.05", 0.843), ("pgd/eps=0.1", 0.299) })
            AssertRobustAccuracy(margin, subject, expected, "mnist-8 margin");
        Assert.Equal(Outcome.Passed, Assert.Single(margin.Findings, f => f.Finding.Subject == "gradient-masking/zero-gradients").Outcome);
    }

    /// <summary>The first <paramref name="count"/> MNIST test images and labels as IDX files; returns the dataset's policy entry.</summary>
    private static string WriteFirstMnistTestImages(RobustnessScenario scenario, int count)
    {
        IdxFiles.WriteImages(scenario.Full("images.idx"), IdxFiles.ReadImages(RepositoryLayout.Fixture("datasets", "mnist-test-idx", "t10k-images-idx3-ubyte.gz"))[..(count * 784)], 28, 28);
        IdxFiles.WriteLabels(scenario.Full("labels.idx"), IdxFiles.ReadLabels(RepositoryLayout.Fixture("datasets", "mnist-test-idx", "t10k-labels-idx1-ubyte.gz"))[..count]);
        return "{path: images.idx, labels: labels.idx, format: idx}";
    }

    public static TheoryData<string, string, double, double[], double[]> MarabouFigures => new()
    {
        // PROVENANCE.md, first 1000 MNIST test images, cross-entropy loss, eps 0.01 / 0.02 / 0.05 / 0.10 in [0,1]: clean, FGSM, PGD-20.
        { "cnn_max_mninst2.onnx", "{path: model.onnx, format: onnx, inputShape: [28, 28, 1], inputLayout: NHWC, valueRange: [0, 1]}",
            0.978, [0.954, 0.925, 0.806, 0.427], [0.953, 0.921, 0.706, 0.074] },
        { "mnist2x10.onnx", "{path: model.onnx, format: onnx, inputShape: [1, 28, 28], valueRange: [0, 1]}",
            0.922, [0.789, 0.583, 0.232, 0.036], [0.765, 0.481, 0.124, 0.011] },
    };

    [FixtureTheory]
    [MemberData(nameof(MarabouFigures))]
    public void The_marabou_mnist_models_reproduce_their_fgsm_and_pgd_figures_through_the_gate(string file, string modelSpec, double clean, double[] fgsm, double[] pgd)
    {
        using var scenario = new RobustnessScenario();
        scenario.CopyFixture($"classifiers/mnist-marabou/{file}", "model.onnx");
        var data = WriteFirstMnistTestImages(scenario, 1000);
        var report = scenario.Evaluate(modelSpec, data, AsReferences + """
                    dataset: eval
                    loss: cross-entropy
                    attacks:
                      - {name: fgsm, eps: [0.01, 0.02, 0.05, 0.1]}
                      - {name: pgd, eps: [0.01, 0.02, 0.05, 0.1], steps: 20, randomStart: false}
            """);
        Assert.Equal(clean, RobustnessScenario.Property(report, "worst-case/eps=0.01", "cleanAccuracy"), 3);
        string[] strengths = ["0.01", "0.02", "0.05", "0.1"];
        foreach (var (attack, expected) in new[] { ("fgsm", fgsm), ("pgd", pgd) })
            for (var i = 0; i < strengths.Length; i++)
                AssertRobustAccuracy(report, $"{attack}/eps={strengths[i]}", expected[i], file);
    }

    /// <summary>
    /// The gate's robust accuracy for <paramref name="subject"/> equals the stated figure within one
    /// point. The references' PGD reports its last iterate; the gate's keeps the best one (a sample
    /// misclassified at any step stays broken), so it may break up to two more points of samples,
    /// never fewer.
    /// </summary>
    private void AssertRobustAccuracy(EvaluationReport report, string subject, double expected, string model)
    {
        var robust = RobustnessScenario.Property(report, subject, "robustAccuracy");
        output.WriteLine($"{model} {subject}: {robust:P1} (PROVENANCE.md: {expected:P1})");
        var bestIterateGain = subject.StartsWith("pgd/", StringComparison.Ordinal) ? 2 * OnePoint : OnePoint;
        Assert.InRange(robust, expected - bestIterateGain, expected + OnePoint);
    }
}
