using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.StrideCoverage;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Gates;

/// <summary>The SecMLOps paper's VLPD threat model (policies/examples/vlpd): Table 4's letters, unrated impacts, and a rule that bites.</summary>
public sealed class VlpdExampleTests
{
    private const string Folder = "policies/examples/vlpd";
    private const string StrideRule = "VLPD-STRIDE-1";

    private static ThreatModel Model() =>
        ThreatModelReader.Read(SourceDocument.Load(Path.Combine(RepositoryLayout.Root, Folder, "threat-model.yaml"), $"{Folder}/threat-model.yaml"),
            ThreatModelReader.SecMLOpsFormat, Support.Policies.Today).Model!;

    [Fact]
    public void The_example_validates()
    {
        var root = RepositoryRoot.At(RepositoryLayout.Root);
        var (documents, errors) = new DocumentDiscovery(BuiltInGates.Registry).Discover([Path.Combine(RepositoryLayout.Root, Folder)], root);
        Assert.Empty(errors);
        Assert.Equal(2, documents.Count);
        var validator = new DocumentValidator(root, BuiltInGates.Registry, Support.Policies.Today);
        Assert.All(documents, d => Assert.Empty(validator.Validate(d)));
    }

    /// <summary>The letters of the paper's Table 4, as ../shared/reference/vlpd-stride.md records them.</summary>
    private static Dictionary<string, string> Table4() =>
        File.ReadAllLines(Path.Combine(RepositoryLayout.Root, "..", "shared", "reference", "vlpd-stride.md"))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries))
            .Where(cells => cells.Length == 9 && System.Text.RegularExpressions.Regex.IsMatch(cells[1], "^(EE|P|DF|DS)-[0-9]+$"))
            .ToDictionary(cells => cells[1], cells => string.Concat(cells[2..8]));

    [FixtureFact]
    public void The_matrix_shows_table_4s_letters_for_all_sixteen_elements_and_colours_only_where_the_text_rates_the_impact()
    {
        var table = Table4();
        Assert.Equal(16, table.Count);
        var matrix = CoverageMatrix.Of(Model());
        Assert.Equal(16, matrix.Rows.Count);
        foreach (var (element, cells) in matrix.Rows)
            Assert.Equal(table[element.Id], string.Concat(cells.Select(c => c.Assessment!.Likelihood)));
        Assert.Equal(0, matrix.Missing);

        var markdown = CoverageMatrixWriter.ToMarkdown(matrix);
        Assert.Contains("| EE-1 Raw image source | external entity | H 🟥 [SC-3, SC-4, SC-8, SC-9] | H 🟥 [SC-4, SC-5] | L ⬜ [SC-10] | L 🟩 [SC-1, SC-2] | M ⬜ [SC-6, SC-7] | L ⬜ [SC-8, SC-9] |", markdown);
        Assert.Contains("| DF-1 Raw image data | data flow | H ⬜ [SC-8, SC-9] | H ⬜ [SC-4] |", markdown);
        var html = CoverageMatrixWriter.ToHtml(matrix);
        Assert.Contains("<td class=\"severe\"", html);
        Assert.Contains("<td class=\"not-rated\"", html);
        Assert.DoesNotContain("<td class=\"medium\"", html);
        // Rated only where the text states a consequence: 7 pairs.
        Assert.Equal(7, matrix.Rows.SelectMany(r => r.Cells).Count(c => c.Assessment!.Impact != Impact.NotRated));
    }

    private static EvaluationReport EvaluateStrideRule(ScratchRepository repo, string threatModel, IReadOnlySet<string>? only = null)
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryLayout.Root, Folder), "*", SearchOption.AllDirectories))
            repo.Write(Path.GetRelativePath(RepositoryLayout.Root, file), File.ReadAllText(file));
        foreach (var sample in new[] { "models/classifier-pgd.onnx", "lineage/classifier-pgd.lineage.dsse.json", "lineage/lineage-signing.pub",
                     "data/train-images-idx3-ubyte.gz", "data/train-labels-idx1-ubyte.gz", "data/golden-images-idx3-ubyte.gz", "data/golden-labels-idx1-ubyte.gz",
                     "models/evaluation-images.idx.gz", "models/evaluation-labels.idx.gz" })
        {
            var target = repo.Full($"samples/ModelService/{sample}");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(RepositoryLayout.Root, "samples", "ModelService", sample), target, overwrite: true);
        }
        repo.Write($"{Folder}/threat-model.yaml", threatModel);
        // The evidence rules' own gates are tested elsewhere; here they stand in, passing, so that only the STRIDE rule is judged.
        var gates = new GateRegistry(BuiltInGates.Registry.All.Select(g => g is StrideCoverageGate ? g : new StandInGate(g, Outcome.Passed)));
        return new GateEngine(gates).Evaluate(new EvaluationRequest([repo.Full($"{Folder}/policy.yaml")], repo.Root, Support.Policies.Today) { RuleIds = only });
    }

    [Fact]
    public void Without_the_evidence_rules_in_the_run_the_controls_they_back_are_unevidenced()
    {
        using var repo = new ScratchRepository();
        var report = EvaluateStrideRule(repo, File.ReadAllText(Path.Combine(RepositoryLayout.Root, Folder, "threat-model.yaml")), new HashSet<string> { StrideRule });
        Assert.Equal(Verdict.Failed, report.Verdict);
        var unevidenced = report.Findings.Where(f => f.Blocks && f.Finding.Subject.Contains("#control:", StringComparison.Ordinal)).Select(f => f.Finding.Subject.Split(':')[^1]).Order().ToList();
        Assert.Equal(["SC-3", "SC-4", "SC-5"], unevidenced);
    }

    [Fact]
    public void The_stride_rule_passes_with_warnings_for_what_the_text_leaves_unstated_and_fails_at_df_1_without_its_only_tampering_control()
    {
        using var repo = new ScratchRepository();
        var threatModel = File.ReadAllText(Path.Combine(RepositoryLayout.Root, Folder, "threat-model.yaml"));
        var report = EvaluateStrideRule(repo, threatModel);
        Assert.Equal(Verdict.Passed, report.Verdict);
        var unrated = report.Findings.Where(f => f.Finding.Subject.EndsWith("/impact", StringComparison.Ordinal)).ToList();
        Assert.Equal(96 - 7, unrated.Count);
        Assert.All(unrated, f => Assert.Equal(("warning", false), (f.Level, f.Blocks)));
        Assert.Contains(report.Findings, f => f.Finding.Subject.EndsWith("#DF-2/from", StringComparison.Ordinal) && f.Level == "warning");

        var withoutControl = threatModel.Replace("{category: T, likelihood: H, impact: not-rated, status: mitigated, assessed: \"2026-11-20\", controls: [SC-4],",
            "{category: T, likelihood: H, impact: not-rated, status: mitigated, assessed: \"2026-11-20\",");
        Assert.NotEqual(threatModel, withoutControl);
        var failed = EvaluateStrideRule(repo, withoutControl);
        Assert.Equal(Verdict.Failed, failed.Verdict);
        var finding = Assert.Single(failed.Findings, f => f.Blocks);
        Assert.Equal($"{Folder}/threat-model.yaml#DF-1/T", finding.Finding.Subject);
        var dataFlowLine = withoutControl.Split('\n').ToList().FindIndex(l => l.Contains("- id: DF-1")) + 1;
        Assert.Equal(new SourceLocation($"{Folder}/threat-model.yaml", dataFlowLine, 7), finding.Finding.Locations[0]);
        Assert.Contains("names no control backed by evidence", finding.Finding.Message);
    }
}
