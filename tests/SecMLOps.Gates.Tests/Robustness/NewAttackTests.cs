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
/// A new attack is its class and one catalogue entry: the tests' R+FGSM (Example/RandomStepFgsm.cs), in the
/// catalogue a robustness gate is given, is in the policy schema with its own option, is named by a policy,
/// runs against the sample's undefended classifier and is reported like a built-in attack; its option reaches
/// it and no other attack takes it; the built-in catalogue refuses it.
/// </summary>
[Collection(LibTorchCollection.Name)]
public sealed class NewAttackTests
{
    private const string Model = "{path: model.onnx, format: onnx, inputShape: [1, 28, 28], valueRange: [0, 1]}";

    private const string Dataset = "{path: images.idx.gz, labels: labels.idx.gz, format: idx}";

    private const string Settings = """
                dataset: eval
                sampleCount: 100
                attacks: [{name: rfgsm, eps: [0.03]}]
                gradientMasking: {blackBox: false}
        """;

    [Fact]
    public void A_new_attack_takes_its_class_and_one_catalogue_entry()
    {
        var registry = new GateRegistry(BuiltInGates.Registry.All.Select(g => g is RobustnessGate ? new RobustnessGate(AttackCatalogue.BuiltIn.With(RandomStepFgsm.Definition), ModelFormatCatalogue.BuiltIn) : g));
        var schema = registry.Schema.ToText();
        Assert.Contains("rfgsm: a random step of part of eps", schema);
        Assert.Contains("The random step as a share of eps; the gradient-sign step takes the rest. Taken by (default): rfgsm 0.5.", schema);

        using var scenario = new RobustnessScenario();
        File.Copy(RepositoryLayout.SampleModels("classifier-undefended.onnx"), scenario.Full("model.onnx"));
        File.Copy(RepositoryLayout.SampleModels("evaluation-images.idx.gz"), scenario.Full("images.idx.gz"));
        File.Copy(RepositoryLayout.SampleModels("evaluation-labels.idx.gz"), scenario.Full("labels.idx.gz"));
        var report = scenario.Evaluate(Model, Dataset, Settings, registry);
        Assert.DoesNotContain(report.Findings, f => f.Outcome == Outcome.Error);
        Assert.True(RobustnessScenario.Property(report, "rfgsm/eps=0.03", "brokenSamples") > 0);
        var worst = Assert.Single(report.Findings, f => f.Finding.Subject == "worst-case/eps=0.03").Finding.Properties!;
        Assert.True((double)worst["robustAccuracy"] < (double)worst["cleanAccuracy"], $"robust {worst["robustAccuracy"]}, clean {worst["cleanAccuracy"]}");

        // Almost all of eps spent on the random step leaves the gradient little: fewer samples break.
        var mostlyRandom = scenario.Evaluate(Model, Dataset, Settings.Replace("eps: [0.03]}", "eps: [0.03], randomStep: 0.95}", StringComparison.Ordinal), registry);
        Assert.True(RobustnessScenario.Property(mostlyRandom, "rfgsm/eps=0.03", "brokenSamples") < RobustnessScenario.Property(report, "rfgsm/eps=0.03", "brokenSamples"));
        var elsewhere = scenario.Evaluate(Model, Dataset, Settings.Replace("{name: rfgsm, eps: [0.03]}", "{name: fgsm, eps: [0.03], randomStep: 0.5}", StringComparison.Ordinal), registry);
        Assert.Equal(Verdict.Error, elsewhere.Verdict);
        Assert.Contains(elsewhere.Findings, f => f.Finding.Message.Contains("'randomStep' is not an option of fgsm", StringComparison.Ordinal));

        var refused = scenario.Evaluate(Model, Dataset, Settings);
        Assert.Equal(Verdict.Error, refused.Verdict);
        var refusal = Assert.Single(refused.Findings, f => f.Finding.RuleId == EngineRules.SchemaViolation.Id).Finding.Message;
        Assert.Contains("attacks[0].name", refusal);
        Assert.DoesNotContain("rfgsm", refusal);
    }
}
