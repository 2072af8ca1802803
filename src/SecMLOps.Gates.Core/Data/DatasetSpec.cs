using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Data;

/// <summary>A dataset the policy declares under spec.datasets; paths are absolute, already checked to lie inside the repository.</summary>
public sealed record DatasetSpec(
    string Name,
    string Path,
    string Format,
    string? LabelsPath,
    string? Sha256,
    string? LabelsSha256,
    int LabelColumn,
    string FeaturesArray,
    string LabelsArray,
    (double Min, double Max)? ValueRange,
    string? Layout,
    int Channels,
    SourceLocation Location,
    IReadOnlyList<int>? CategoricalColumns = null,
    int? IdColumn = null,
    string? ImagesPath = null,
    string? ImagesSha256 = null)
{
    /// <summary>The dataset's files (features, and labels when separate).</summary>
    public IEnumerable<string> Files => LabelsPath is null ? [Path] : [Path, LabelsPath];
}
