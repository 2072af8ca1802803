using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Data;

/// <summary>A dataset the policy declares under spec.datasets; paths are absolute, already checked to lie inside the repository.</summary>
/// <param name="Options">The format's own keys that name no file, as the policy gives them, the others at their schema's default.</param>
/// <param name="ImagesPath">The format's folder of images (pedestrian annotations' <c>images</c>).</param>
public sealed record DatasetSpec(
    string Name,
    string Path,
    DatasetFormat Format,
    string? LabelsPath,
    string? Sha256,
    string? LabelsSha256,
    (double Min, double Max)? ValueRange,
    string? Layout,
    SourceLocation Location,
    JObject Options,
    string? ImagesPath = null,
    string? ImagesSha256 = null)
{
    /// <summary>The dataset's files (features, and labels when separate).</summary>
    public IEnumerable<string> Files => LabelsPath is null ? [Path] : [Path, LabelsPath];

    /// <summary>One of the format's own options (given, or its default).</summary>
    public T Option<T>(string key) => Options[key] is { } value ? value.Value<T>()! : throw new InvalidOperationException($"the {Format.Name} format has no option '{key}' with a default");
}
