using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Tests.Data.Example;
using SecMLOps.Gates.Tests.Robustness;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Data;

/// <summary>
/// A new dataset format is its reader and one catalogue entry: the tests' JSON Lines (Example/JsonLinesDatasetReader.cs),
/// in the dataset format catalogue a registry is given, is in the policy schema with its own keys, is recognised
/// by init from its extension, and is read from a policy (its keys given) into the same evaluation the same images
/// give as IDX files; a file its own key names (a list of class names) is read, pinned and checked like the
/// dataset's path; a key it does not take is refused, and the built-in registry refuses its name.
/// </summary>
[Collection(LibTorchCollection.Name)]
public sealed class NewDatasetFormatTests
{
    private const int Images = 200;

    private const string Model = "{path: model.onnx, format: onnx, inputShape: [1, 28, 28], valueRange: [0, 1]}";

    private const string Settings = """
                dataset: eval
                attacks: [{name: fgsm, eps: [0.03]}]
                gradientMasking: {blackBox: false}
        """;

    [Fact]
    public void A_new_dataset_format_takes_its_reader_and_one_catalogue_entry()
    {
        var registry = new GateRegistry(BuiltInGates.Registry.All, DatasetFormatCatalogue.BuiltIn.With(JsonLinesDatasetReader.Format));
        var schema = registry.Schema.Document["definitions"]!["dataset"]!["properties"]!;
        Assert.Contains("jsonl: JSON Lines", (string?)schema["format"]!["description"]);
        Assert.Equal("jsonl: the field holding a sample's features.", (string?)schema["featuresField"]!["description"]);
        Assert.Equal("idx and npy: the file holding the labels.", (string?)schema["labels"]!["description"]);

        using var scenario = new RobustnessScenario();
        File.Copy(RepositoryLayout.SampleModels("classifier-undefended.onnx"), scenario.Full("model.onnx"));
        var pixels = IdxFiles.ReadImages(RepositoryLayout.SampleModels("evaluation-images.idx.gz"))[..(Images * 784)];
        var labels = IdxFiles.ReadLabels(RepositoryLayout.SampleModels("evaluation-labels.idx.gz"))[..Images];
        IdxFiles.WriteImages(scenario.Full("images.idx"), pixels, 28, 28);
        IdxFiles.WriteLabels(scenario.Full("labels.idx"), labels);
        File.WriteAllLines(scenario.Full("eval.jsonl"), Enumerable.Range(0, Images).Select(i =>
            new JObject { ["pixels"] = new JArray(pixels[(i * 784)..((i + 1) * 784)].Select(b => (int)b)), ["class"] = labels[i] }.ToString(Newtonsoft.Json.Formatting.None)));

        var asJsonLines = scenario.Evaluate(Model, "{path: eval.jsonl, format: jsonl, featuresField: pixels, labelField: class, valueRange: [0, 255]}", Settings, registry);
        Assert.DoesNotContain(asJsonLines.Findings, f => f.Outcome == Outcome.Error);
        var asIdx = scenario.Evaluate(Model, "{path: images.idx, labels: labels.idx, format: idx}", Settings, registry);
        foreach (var property in new[] { "cleanAccuracy", "robustAccuracy" })
            Assert.Equal(RobustnessScenario.Property(asIdx, "worst-case/eps=0.03", property), RobustnessScenario.Property(asJsonLines, "worst-case/eps=0.03", property));
        Assert.True(RobustnessScenario.Property(asJsonLines, "worst-case/eps=0.03", "cleanAccuracy") > 0.5);

        // Labels as class names, through the file the format's own key names, pinned by the key the format declares.
        var names = new[] { "T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };
        File.WriteAllLines(scenario.Full("classes.txt"), names);
        File.WriteAllLines(scenario.Full("named.jsonl"), Enumerable.Range(0, Images).Select(i =>
            new JObject { ["pixels"] = new JArray(pixels[(i * 784)..((i + 1) * 784)].Select(b => (int)b)), ["class"] = names[labels[i]] }.ToString(Newtonsoft.Json.Formatting.None)));
        var named = $"{{path: named.jsonl, format: jsonl, featuresField: pixels, labelField: class, classes: classes.txt, classesSha256: {FileDigest.Sha256(scenario.Full("classes.txt"))}, valueRange: [0, 255]}}";
        var asNamed = scenario.Evaluate(Model, named, Settings, registry);
        Assert.Equal(RobustnessScenario.Property(asIdx, "worst-case/eps=0.03", "robustAccuracy"), RobustnessScenario.Property(asNamed, "worst-case/eps=0.03", "robustAccuracy"));
        Assert.Contains(asNamed.Findings, f => f.Outcome == Outcome.Passed && f.Finding.Subject == "integrity/eval/classes.txt");
        File.WriteAllLines(scenario.Full("classes.txt"), names.Reverse());
        var reordered = scenario.Evaluate(Model, named, Settings, registry);
        Assert.Equal(Verdict.Error, reordered.Verdict);
        Assert.Contains(reordered.Findings, f => f.Finding.RuleId == EngineRules.InputIntegrity.Id && f.Finding.Message.Contains("classes.txt does not match its pinned classesSha256", StringComparison.Ordinal));
        var outside = scenario.Evaluate(Model, named.Replace("classes: classes.txt", "classes: ../classes.txt", StringComparison.Ordinal), Settings, registry);
        Assert.Equal(Verdict.Error, outside.Verdict);

        var foreignKey = scenario.Evaluate(Model, "{path: eval.jsonl, format: jsonl, labelColumn: 3}", Settings, registry);
        Assert.Contains(foreignKey.Findings, f => f.Finding.RuleId == EngineRules.SchemaViolation.Id && f.Finding.Message.Contains("'labelColumn' does not apply to the jsonl format"));

        var refused = scenario.Evaluate(Model, "{path: eval.jsonl, format: jsonl, featuresField: pixels, labelField: class}", Settings);
        Assert.Equal(Verdict.Error, refused.Verdict);
        Assert.Contains(refused.Findings, f => f.Finding.RuleId == EngineRules.SchemaViolation.Id && f.Finding.Message.Contains("spec.datasets.eval"));

        using var output = new StringWriter();
        var init = GateCommandLine.Run(["init", "--model", scenario.Full("model.onnx"), "--evaluation-data", scenario.Full("eval.jsonl"),
            "--directory", scenario.Full("policies"), "--repo-root", scenario.Full(".")], output, output, registry: registry);
        Assert.True(init == ExitCodes.Passed, output.ToString());
        Assert.Contains("format: jsonl", File.ReadAllText(scenario.Full(Path.Combine("policies", "model.policy.yaml"))));
    }

    /// <summary>
    /// A key a format requires beside its data is an init option of its own, from the catalogue alone: JSON Lines
    /// whose classes file is required gets --evaluation-classes, which init writes into the policy and pins.
    /// </summary>
    [Fact]
    public void A_key_a_format_requires_is_an_init_option_of_its_own()
    {
        var required = JsonLinesDatasetReader.Format with { Required = [JsonLinesDatasetReader.ClassesKey] };
        var registry = new GateRegistry(BuiltInGates.Registry.All, DatasetFormatCatalogue.BuiltIn.With(required));
        using var scenario = new RobustnessScenario();
        File.Copy(RepositoryLayout.SampleModels("classifier-undefended.onnx"), scenario.Full("model.onnx"));
        File.WriteAllText(scenario.Full("eval.jsonl"), "{\"pixels\": [0], \"class\": \"Bag\"}\n");
        File.WriteAllText(scenario.Full("classes.txt"), "Bag\n");
        (int Exit, string Output) Init(params string[] options)
        {
            using var output = new StringWriter();
            var exit = GateCommandLine.Run(["init", "--model", scenario.Full("model.onnx"), "--evaluation-data", scenario.Full("eval.jsonl"), .. options,
                "--directory", scenario.Full("policies"), "--repo-root", scenario.Full(".")], output, output, registry: registry);
            return (exit, output.ToString());
        }

        var help = Init("--help");
        Assert.Contains("--evaluation-classes", help.Output);
        Assert.Contains("For jsonl data: a file of class names", help.Output);

        var missing = Init();
        Assert.Equal(ExitCodes.InputError, missing.Exit);
        Assert.Contains("--evaluation-data is jsonl, whose classes come in a file of their own: give --evaluation-classes", missing.Output);
        var foreign = Init("--evaluation-classes", scenario.Full("classes.txt"), "--evaluation-labels", scenario.Full("classes.txt"));
        Assert.Equal(ExitCodes.InputError, foreign.Exit);
        Assert.Contains("takes no labels of its own (it takes --evaluation-classes); drop --evaluation-labels", foreign.Output);
        Assert.False(Directory.Exists(scenario.Full("policies")));

        var written = Init("--evaluation-classes", scenario.Full("classes.txt"));
        Assert.True(written.Exit == ExitCodes.Passed, written.Output);
        var policy = File.ReadAllText(scenario.Full(Path.Combine("policies", "model.policy.yaml")));
        Assert.Contains("      classes: \"../classes.txt\"\n", policy);
        Assert.Contains($"      classesSha256: {FileDigest.Sha256(scenario.Full("classes.txt"))}\n", policy);
    }
}
