using SecMLOps.Gates.Documents;
using SecMLOps.Gates.StrideCoverage;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Gates;

public sealed class CoverageMatrixTests
{
    private static CoverageMatrix SampleMatrix()
    {
        var path = Path.Combine(RepositoryLayout.Root, "samples", "ModelService", "threat-model.yaml");
        var (model, errors) = ThreatModelReader.Read(SourceDocument.Load(path, "samples/ModelService/threat-model.yaml"), ThreatModelReader.SecMLOpsFormat, Support.Policies.Today);
        Assert.Empty(errors);
        return CoverageMatrix.Of(model!);
    }

    [Fact]
    public void Markdown_shows_likelihood_impact_and_controls_per_pair()
    {
        var markdown = CoverageMatrixWriter.ToMarkdown(SampleMatrix());
        Assert.Contains("| P-1 Training pipeline | process | L 🟧 [SC-2] | H 🟥 [SC-1] | L 🟩 [SC-3] | M 🟧 | L 🟧 | L 🟥 [SC-2] |", markdown);
        Assert.Contains("| EE-1 Data scientist | external entity | M 🟥 [SC-2] | · | L 🟧 [SC-3] | · | · | · |", markdown);
        Assert.Contains("0 applicable pairs not assessed", markdown);
    }

    [Fact]
    public void Html_is_a_self_contained_page_with_an_impact_class_per_cell()
    {
        var html = CoverageMatrixWriter.ToHtml(SampleMatrix());
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http", html);
        Assert.Contains("<td class=\"severe\" title=\"Poisoned training data — impact severe, mitigated\">H<small>SC-1</small></td>", html);
    }

    [Fact]
    public void Unassessed_applicable_pairs_are_marked()
    {
        var model = ThreatModelReader.Read(SourceDocument.Parse(Support.Policies.ThreatModel("    - {id: P-1, name: Trainer, type: process}"), "tm.yaml"), ThreatModelReader.SecMLOpsFormat, Support.Policies.Today).Model!;
        var matrix = CoverageMatrix.Of(model);
        Assert.Equal(6, matrix.Missing);
        Assert.Contains("| P-1 Trainer | process | ❗ | ❗ | ❗ | ❗ | ❗ | ❗ |", CoverageMatrixWriter.ToMarkdown(matrix));
    }
}
