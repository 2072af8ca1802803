using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Robustness;
using SecMLOps.Gates.Robustness.Attacks;
using SecMLOps.Gates.Robustness.Gate;
using SecMLOps.Gates.Tests.Robustness.Example;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>
/// A new model format is its class and one catalogue entry: the tests' linear classifier in JSON
/// (Example/LinearJsonModel.cs), in the model format catalogue a robustness gate is given, is in the policy
/// schema, is recognised by init from its extension (its input shape read from the file), and is loaded and
/// attacked like a built-in format; the built-in registry refuses its name.
/// </summary>
[Collection(LibTorchCollection.Name)]
public sealed class NewModelFormatTests
{
    private const string Model = "{path: model.linjson, format: linear-json, valueRange: [0, 1]}";

    private const string Dataset = "{path: images.idx.gz, labels: labels.idx.gz, format: idx}";

    private const string Settings = """
                dataset: eval
                sampleCount: 200
                attacks: [{name: fgsm, eps: [0.03]}]
                gradientMasking: {blackBox: false}
        """;

    [Fact]
    public void A_new_model_format_takes_its_class_and_one_catalogue_entry()
    {
        var registry = new GateRegistry(BuiltInGates.Registry.All.Select(g => g is RobustnessGate
            ? new RobustnessGate(AttackCatalogue.BuiltIn, ModelFormatCatalogue.BuiltIn.With(LinearJsonModel.Format)) : g));
        Assert.Contains("linear-json: a linear classifier as JSON", registry.Schema.ToText());

        using var scenario = new RobustnessScenario();
        File.Copy(RepositoryLayout.SampleModels("evaluation-images.idx.gz"), scenario.Full("images.idx.gz"));
        File.Copy(RepositoryLayout.SampleModels("evaluation-labels.idx.gz"), scenario.Full("labels.idx.gz"));
        WriteNearestMeanClassifier(scenario.Full("images.idx.gz"), scenario.Full("labels.idx.gz"), scenario.Full("model.linjson"));

        var report = scenario.Evaluate(Model, Dataset, Settings, registry);
        Assert.DoesNotContain(report.Findings, f => f.Outcome == Outcome.Error);
        var worst = Assert.Single(report.Findings, f => f.Finding.Subject == "worst-case/eps=0.03").Finding.Properties!;
        Assert.True((double)worst["cleanAccuracy"] > 0.5, $"clean {worst["cleanAccuracy"]}");
        Assert.True(RobustnessScenario.Property(report, "fgsm/eps=0.03", "brokenSamples") > 0);
        Assert.True((double)worst["robustAccuracy"] < (double)worst["cleanAccuracy"], $"robust {worst["robustAccuracy"]}, clean {worst["cleanAccuracy"]}");

        using var output = new StringWriter();
        var init = GateCommandLine.Run(["init", "--model", scenario.Full("model.linjson"), "--evaluation-data", scenario.Full("images.idx.gz"),
            "--evaluation-labels", scenario.Full("labels.idx.gz"), "--directory", scenario.Full("policies"), "--repo-root", scenario.Full(".")], output, output, registry: registry);
        Assert.True(init == ExitCodes.Passed, output.ToString());
        var written = File.ReadAllText(scenario.Full(Path.Combine("policies", "model.policy.yaml")));
        Assert.Contains("format: linear-json", written);
        Assert.Contains("inputShape: [1, 28, 28]", written);

        var refused = scenario.Evaluate(Model, Dataset, Settings);
        Assert.Equal(Verdict.Error, refused.Verdict);
        var refusal = Assert.Single(refused.Findings, f => f.Finding.RuleId == EngineRules.SchemaViolation.Id).Finding;
        Assert.Contains("spec.model.format", refusal.Message);
    }

    /// <summary>The linear form of a nearest-class-mean classifier: weights m_k, bias -|m_k|^2 / 2, in [0, 1] pixel values.</summary>
    private static void WriteNearestMeanClassifier(string images, string labels, string model)
    {
        var pixels = IdxFiles.ReadImages(images);
        var classes = IdxFiles.ReadLabels(labels);
        var means = new double[10, 784];
        var counts = new int[10];
        for (var i = 0; i < classes.Length; i++)
        {
            counts[classes[i]]++;
            for (var p = 0; p < 784; p++)
                means[classes[i], p] += pixels[i * 784 + p] / 255.0;
        }
        var weights = new JArray();
        var bias = new JArray();
        for (var k = 0; k < 10; k++)
        {
            var row = Enumerable.Range(0, 784).Select(p => means[k, p] / Math.Max(1, counts[k])).ToArray();
            weights.Add(new JArray(row.Select(v => Math.Round(v, 5))));
            bias.Add(Math.Round(-row.Sum(v => v * v) / 2, 5));
        }
        File.WriteAllText(model, new JObject { ["inputShape"] = new JArray(1, 28, 28), ["weights"] = weights, ["bias"] = bias }.ToString(), new System.Text.UTF8Encoding(false));
    }
}
