using System.Text.RegularExpressions;
using SecMLOps.Gates.Robustness.Attacks;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>The gate's checks go by the traits an attack declares in the catalogue, never by its name.</summary>
public sealed class AttackCatalogueTests
{
    private static readonly string AttacksFolder = Path.Combine("src", "SecMLOps.Gates.Robustness", "Attacks") + Path.DirectorySeparatorChar;

    [Fact]
    public void No_code_outside_the_attacks_folder_names_an_attack()
    {
        var names = AttackCatalogue.All.Select(a => a.Name).ToList();
        var literal = new Regex($"\"({string.Join("|", names.Select(Regex.Escape))})\"");
        var sources = Directory.EnumerateFiles(Path.Combine(RepositoryLayout.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepositoryLayout.Root, f))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .ToList();
        Assert.True(sources.Count > 100, $"only {sources.Count} sources found");
        var uses = sources.Where(f => !f.StartsWith(AttacksFolder, StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(Path.Combine(RepositoryLayout.Root, f)).Select((line, i) => (f, i + 1, line)))
            .Where(l => literal.IsMatch(l.line))
            .Select(l => $"{l.f}:{l.Item2}: {l.line.Trim()}")
            .ToList();
        Assert.True(uses.Count == 0, "attack names matched outside the catalogue:\n" + string.Join("\n", uses));
    }

    [Fact]
    public void The_sanity_and_masking_roles_each_belong_to_one_attack_of_the_right_kind()
    {
        Assert.True(AttackCatalogue.SanityCheckAttack.Iterative);
        Assert.False(AttackCatalogue.MaskingProbeAttack.WhiteBox);
        Assert.All(AttackCatalogue.All.Where(a => a.SingleStep || a.TakesOvershoot), a => Assert.False(a.Iterative));
        Assert.All(AttackCatalogue.All.Where(a => !a.WhiteBox), a => Assert.False(a.Iterative));
    }
}
