using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Robustness;
using SecMLOps.Gates.Robustness.Attacks;
using SecMLOps.Gates.Robustness.Gate;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>
/// The gate's checks go by the traits an attack or a model format declares in its catalogue, never by
/// its name: a new one is its own file plus one catalogue entry.
/// </summary>
public sealed class AttackCatalogueTests
{
    private static readonly string AttacksFolder = Path.Combine("src", "SecMLOps.Gates.Robustness", "Attacks") + Path.DirectorySeparatorChar;
    private static readonly string ModelFormatCatalogueFile = Path.Combine("src", "SecMLOps.Gates.Robustness", "ModelFormatCatalogue.cs");
    private static readonly string DetectionAttackCatalogueFile = Path.Combine("src", "SecMLOps.Gates.Robustness", "Detection", "DetectionAttacks.cs");

    /// <summary>Lines of src/ (outside <paramref name="allowed"/>) holding one of <paramref name="names"/> as a string literal.</summary>
    private static List<string> Literals(IEnumerable<string> names, Func<string, bool> allowed)
    {
        var literal = new Regex($"\"({string.Join("|", names.Select(Regex.Escape))})\"");
        var sources = Directory.EnumerateFiles(Path.Combine(RepositoryLayout.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepositoryLayout.Root, f))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .ToList();
        Assert.True(sources.Count > 100, $"only {sources.Count} sources found");
        return sources.Where(f => !allowed(f))
            .SelectMany(f => File.ReadLines(Path.Combine(RepositoryLayout.Root, f)).Select((line, i) => (f, i + 1, line)))
            .Where(l => literal.IsMatch(l.line))
            .Select(l => $"{l.f}:{l.Item2}: {l.line.Trim()}")
            .ToList();
    }

    [Fact]
    public void No_code_outside_the_attacks_folder_names_an_attack()
    {
        var uses = Literals(AttackCatalogue.BuiltIn.All.Select(a => a.Name), f => f.StartsWith(AttacksFolder, StringComparison.Ordinal) || f == DetectionAttackCatalogueFile);
        Assert.True(uses.Count == 0, "attack names matched outside the catalogue:\n" + string.Join("\n", uses));
    }

    [Fact]
    public void No_code_outside_the_detection_attack_catalogue_names_a_detection_attack()
    {
        var uses = Literals(SecMLOps.Gates.Robustness.Detection.DetectionAttackCatalogue.BuiltIn.All.Select(a => a.Name), f => f.StartsWith(AttacksFolder, StringComparison.Ordinal) || f == DetectionAttackCatalogueFile);
        Assert.True(uses.Count == 0, "detection attack names matched outside the catalogue:\n" + string.Join("\n", uses));
    }

    [Fact]
    public void No_code_outside_the_model_format_catalogue_names_a_format_and_the_schema_lists_the_same_ones()
    {
        var uses = Literals(ModelFormatCatalogue.BuiltIn.All.Select(f => f.Name), f => f == ModelFormatCatalogueFile);
        Assert.True(uses.Count == 0, "model format names matched outside the catalogue:\n" + string.Join("\n", uses));
        var definitions = SecMLOps.Gates.Cli.BuiltInGates.Registry.Schema.Document["definitions"]!;
        Assert.Equal(ModelFormatCatalogue.BuiltIn.All.Select(f => f.Name), definitions["model"]!["properties"]!["format"]!["enum"]!.Values<string>());
        Assert.Equal(ModelFormatCatalogue.BuiltIn.All.Select(f => f.Name), definitions["modelFile"]!["properties"]!["format"]!["enum"]!.Values<string>());
    }

    [Fact]
    public void The_sanity_and_masking_roles_each_belong_to_one_attack_of_the_right_kind()
    {
        Assert.True(AttackCatalogue.BuiltIn.SanityCheckAttack.Iterative);
        Assert.False(AttackCatalogue.BuiltIn.MaskingProbeAttack.WhiteBox);
        Assert.All(AttackCatalogue.BuiltIn.All.Where(a => a.SingleStep || a.TakesOvershoot), a => Assert.False(a.Iterative));
        Assert.All(AttackCatalogue.BuiltIn.All.Where(a => !a.WhiteBox), a => Assert.False(a.Iterative));
    }

    /// <summary>An option is its default and its schema, both in the attack's entry: one without the other is refused when the gate is made.</summary>
    [Fact]
    public void An_attacks_option_needs_both_a_default_and_a_schema()
    {
        var toy = new AttackDefinition("toy", "an attack that is never run", true, 6, [], _ => throw new InvalidOperationException("not run"));
        var described = new JObject { ["share"] = new JObject { ["type"] = "number", ["description"] = "A share.", ["x-stricter"] = "neutral" } };

        var noDefault = Assert.Throws<ArgumentException>(() => AttackCatalogue.BuiltIn.With(toy with { OptionSchemas = described }));
        Assert.Contains("toy's share has a schema but no default", noDefault.Message);
        var noSchema = Assert.Throws<ArgumentException>(() => new RobustnessGate(AttackCatalogue.BuiltIn.With(toy with { Defaults = new JObject { ["share"] = 0.5 } }), ModelFormatCatalogue.BuiltIn));
        Assert.Contains("attack toy's option 'share' has no schema", noSchema.Message);
        var redescribed = new JObject { ["steps"] = described["share"] };
        var twice = Assert.Throws<ArgumentException>(() => new RobustnessGate(AttackCatalogue.BuiltIn.With(toy with { Defaults = new JObject { ["steps"] = 3 }, OptionSchemas = redescribed }), ModelFormatCatalogue.BuiltIn));
        Assert.Contains("describes option 'steps', which the robustness schema already has", twice.Message);
    }
}
