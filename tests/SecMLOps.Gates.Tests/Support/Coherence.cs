using System.Text.RegularExpressions;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Reporting;

namespace SecMLOps.Gates.Tests.Support;

/// <summary>
/// What must agree with a registry of gates: the published policy schema, a documentation page per
/// rule kind (and none for a kind that does not exist), and the README's table of rule kinds.
/// </summary>
internal static partial class Coherence
{
    public const string PublishedSchema = "policies/schema/gate-policy.v1.schema.json";

    public static IReadOnlyList<string> Problems(GateRegistry registry, string repository)
    {
        var problems = new List<string>();
        if (File.ReadAllText(Path.Combine(repository, PublishedSchema)) != registry.Schema.ToText())
            problems.Add($"{PublishedSchema} is not what `secmlops-gate schema` writes (regenerate it)");
        var kinds = registry.All.Select(g => g.Descriptor.Kind).ToList();
        foreach (var gate in registry.All)
        {
            var page = Path.Combine(repository, gate.Descriptor.HelpPath);
            if (!File.Exists(page))
                problems.Add($"{gate.Descriptor.HelpPath} is missing (secmlops-gate rules {gate.Descriptor.Kind} -o {gate.Descriptor.HelpPath})");
            else if (File.ReadAllText(page) != GateDocumentation.ToMarkdown(gate.Descriptor, registry.Schema))
                problems.Add($"{gate.Descriptor.HelpPath} is not what `secmlops-gate rules {gate.Descriptor.Kind}` writes (regenerate it)");
        }
        foreach (var page in Directory.EnumerateFiles(Path.Combine(repository, "docs", "rules"), "*.md"))
            if (!kinds.Contains(Path.GetFileNameWithoutExtension(page)))
                problems.Add($"docs/rules/{Path.GetFileName(page)} documents a rule kind no gate has");
        var diagnostics = File.ReadAllText(Path.Combine(repository, "docs", "diagnostics.md"));
        foreach (var rule in registry.Diagnostics.Where(r => !diagnostics.Contains($"<a id=\"{r.Id.ToLowerInvariant()}\"></a>{r.Id} | {r.Name} |", StringComparison.Ordinal)))
            problems.Add($"docs/diagnostics.md lacks {rule.Id} {rule.Name}");
        var listed = RuleKindRows(File.ReadAllLines(Path.Combine(repository, "README.md")))
            .Select(row => (Match: RuleKindCell().Match(row), Row: row)).Where(r => r.Match.Success).ToDictionary(r => r.Match.Groups[1].Value, r => r.Row);
        foreach (var kind in kinds.Where(k => !listed.ContainsKey(k)))
            problems.Add($"README.md's table of rule kinds lacks {kind}");
        foreach (var (kind, row) in listed)
        {
            if (!kinds.Contains(kind))
                problems.Add($"README.md's table of rule kinds lists {kind}, which no gate has");
            else if (!row.Contains($"(docs/rules/{kind}.md)", StringComparison.Ordinal))
                problems.Add($"README.md's row for {kind} does not link docs/rules/{kind}.md");
        }
        return problems;
    }

    /// <summary>The rows of the README's table whose header starts with "| rule kind |".</summary>
    private static IEnumerable<string> RuleKindRows(string[] lines) =>
        lines.SkipWhile(l => !l.StartsWith("| rule kind |", StringComparison.Ordinal)).Skip(2).TakeWhile(l => l.StartsWith('|'));

    /// <summary>The first cell of such a row: [`kind`](docs/rules/kind.md).</summary>
    [GeneratedRegex(@"^\| \[?`([a-z][a-z-]*)`")]
    private static partial Regex RuleKindCell();
}
