using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Data;

/// <summary>A file or folder a dataset's format names by a key of its own (<c>labels</c>, a detector's <c>images</c>), resolved and confined like <c>path</c>.</summary>
/// <param name="Sha256">Its pinned digest (the key's <see cref="DatasetFormat.PinKey"/>), if the policy gives one.</param>
public sealed record DatasetFile(string FullPath, string? Sha256);

/// <summary>A dataset the policy declares under spec.datasets; paths are absolute, already checked to lie inside the repository.</summary>
/// <param name="Options">The format's own keys that name no file, as the policy gives them, the others at their schema's default.</param>
/// <param name="Named">The files and folders the format's own path keys name, by key.</param>
public sealed record DatasetSpec(
    string Name,
    string Path,
    DatasetFormat Format,
    string? Sha256,
    (double Min, double Max)? ValueRange,
    string? Layout,
    SourceLocation Location,
    JObject Options,
    IReadOnlyDictionary<string, DatasetFile> Named)
{
    /// <summary>The labels file, for the formats that keep labels apart (<see cref="DatasetFormat.LabelsKey"/>).</summary>
    public string? LabelsPath => Named.GetValueOrDefault(DatasetFormat.LabelsKey)?.FullPath;

    public string? LabelsSha256 => Named.GetValueOrDefault(DatasetFormat.LabelsKey)?.Sha256;

    /// <summary>The path a format's own key names; the key must be one its format requires.</summary>
    public string PathOf(string key) => Named.TryGetValue(key, out var file) ? file.FullPath
        : throw new InvalidOperationException($"dataset {Name} ({Format.Name}) names no '{key}'");

    /// <summary>The dataset's files and folders: <c>path</c>, then what its format's keys name.</summary>
    public IEnumerable<string> Files => [Path, .. Named.Values.Select(f => f.FullPath)];

    /// <summary>Each of its files with its pinned digest (null when unpinned) and the key that pins it.</summary>
    public IEnumerable<(string File, string? Sha256, string Key)> Pins =>
        [(Path, Sha256, "sha256"), .. Named.Select(n => (n.Value.FullPath, n.Value.Sha256, DatasetFormat.PinKey(n.Key)))];

    /// <summary>One of the format's own options (given, or its default).</summary>
    public T Option<T>(string key) => Options[key] is { } value ? value.Value<T>()! : throw new InvalidOperationException($"the {Format.Name} format has no option '{key}' with a default");
}
