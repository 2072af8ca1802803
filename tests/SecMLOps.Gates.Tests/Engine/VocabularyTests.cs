using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Poisoning;
using SecMLOps.Gates.Policies;
using SecMLOps.Gates.Robustness.Gate;
using SecMLOps.Gates.StrideCoverage;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Engine;

/// <summary>
/// The words of each enum are kept once, in code; the schemas and the action's script list them too,
/// and must list exactly the same words, or a word the schema accepts would reach a parser that refuses it.
/// </summary>
public sealed class VocabularyTests
{
    private static JObject PolicySchema => BuiltInGates.Registry.Schema.Document;

    private static JObject ThreatModelSchema => JObject.Parse(SchemaCatalog.ReadText(SchemaCatalog.ThreatModel));

    private static IEnumerable<string> Enum(JToken node) => node["enum"]!.Values<string>().Select(w => w!);

    public static TheoryData<string, string[], string[]> Lists()
    {
        var rule = PolicySchema["definitions"]!["rule"]!["properties"]!;
        var stride = BuiltInGates.Registry.Schema.SettingsDocument("stride-coverage")!["properties"]!;
        var robustness = BuiltInGates.Registry.Schema.SettingsDocument("robustness")!["properties"]!;
        var threatModel = ThreatModelSchema["definitions"]!;
        var labels = BuiltInGates.Registry.Schema.SettingsDocument("poisoning")!["properties"]!["labelConsistency"]!["properties"]!;
        return new()
        {
            { "poisoning features", [.. Enum(labels["features"]!)], [.. LabelFeatureNames.Words.All] },
            { "poisoning dataKind", [.. Enum(labels["dataKind"]!)], [.. DataKinds.Words.All] },
            { "poisoning classifier", [.. Enum(labels["classifier"]!)], [DataKinds.Auto, .. LabelClassifiers.Words.All] },
            { "rule enforcement", [.. Enum(rule["enforcement"]!)], [.. Enforcements.Words.All] },
            { "stride-coverage unstated", [.. Enum(stride["unstated"]!)], [.. Enforcements.Words.All] },
            { "rule severity", [.. Enum(rule["severity"]!)], [.. Severities.Words.All] },
            { "robustness decideOn", [.. Enum(robustness["decideOn"]!)], [.. DecisionRules.Words.All] },
            { "threat impact", [.. Enum(threatModel["threat"]!["properties"]!["impact"]!)], [.. ImpactNames.Words.All] },
            { "element type", [.. Enum(threatModel["element"]!["properties"]!["type"]!)], [.. ElementTypeNames.SchemaWords.All] },
            { "control evidence", [.. ((JObject)threatModel["control"]!["properties"]!["evidence"]!["items"]!["properties"]!).Properties().Select(p => p.Name)], [.. EvidenceKinds.Keys.All] },
        };
    }

    [Theory]
    [MemberData(nameof(Lists))]
    public void A_schema_enum_and_its_vocabulary_list_the_same_words(string what, string[] schema, string[] vocabulary) =>
        Assert.True(schema.Order().SequenceEqual(vocabulary.Order()), $"{what}: schema [{string.Join(", ", schema)}], code [{string.Join(", ", vocabulary)}]");

    [Fact]
    public void The_actions_fail_on_input_takes_every_severity_word()
    {
        var script = File.ReadAllText(Path.Combine(RepositoryLayout.Root, "action", "run-gate.sh"));
        var accepted = System.Text.RegularExpressions.Regex.Match(script, @"^\s*([a-z|]+)\) severity=\$fail_on ;;", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.True(accepted.Success, "run-gate.sh has no case line that passes fail-on through");
        Assert.Equal(Severities.Words.All.Order(), accepted.Groups[1].Value.Split('|').Order());
    }

    [Fact]
    public void A_word_outside_the_vocabulary_is_refused_not_read_as_some_value() =>
        Assert.Throws<InvalidOperationException>(() => Enforcements.Words.Parse("mandatory"));
}
