using Newtonsoft.Json.Linq;

namespace SecMLOps.Gates.Data;

/// <summary>A dataset format: its name in policies, the keys only it takes (with their schemas and defaults), and how its reader opens.</summary>
/// <param name="Keys">The dataset keys only this format reads (besides <see cref="DatasetFormatCatalogue.CommonKeys"/>), each with its schema (a description without the format's name, and any default); the policy schema lists them under the formats that take them.</param>
/// <param name="Required">Its keys a dataset of this format must give.</param>
/// <param name="Folder">Whether `path` names a folder rather than a file.</param>
/// <param name="Open">The reader of its labelled samples; null for a format that holds no labelled samples (detection annotations), which only the gates made for it read.</param>
/// <param name="Recognises">Whether a file name (lower case) is of this format, for <c>init</c>; null: <c>init</c> does not offer it.</param>
/// <param name="Table">Whether the format holds tables (columns with scales of their own) rather than arrays of one kind of value such as pixels.</param>
/// <param name="Layout">The order of one image's values in its files when the dataset gives no <c>layout</c>.</param>
public sealed record DatasetFormat(string Name, string Description, JObject Keys, IReadOnlyList<string> Required, bool Folder, Func<DatasetSpec, IDatasetReader>? Open,
    Func<string, bool>? Recognises, bool Table = false, string? Layout = null)
{
    public const string LabelsKey = "labels";

    /// <summary>The schema reference of a key that names a file.</summary>
    public const string PathReference = "#/definitions/relativePath";

    /// <summary>The schema reference of a key that names a folder (pinned by the digest of its listing).</summary>
    public const string FolderReference = "#/definitions/relativeFolder";

    /// <summary>
    /// The keys of this format that name a file or folder: the engine resolves each and confines it to the
    /// repository, as it does <c>path</c>, pins it by <see cref="PinKey"/>, and gives it to the reader and the
    /// gates as <see cref="DatasetSpec.Named"/>.
    /// </summary>
    public IEnumerable<string> PathKeys => Keys.Properties().Where(p => NamesPath(p.Value)).Select(p => p.Name);

    public bool NamesFolder(string key) => (string?)Keys[key]?["$ref"] == FolderReference;

    /// <summary>The key holding the pinned sha256 of what a path key names (<c>labels</c>: <c>labelsSha256</c>).</summary>
    public static string PinKey(string pathKey) => pathKey + "Sha256";

    /// <summary>Whether a key's schema says it names a file or folder.</summary>
    public static bool NamesPath(JToken keySchema) => (string?)keySchema["$ref"] is PathReference or FolderReference;
}

/// <summary>
/// Every dataset format a registry reads, in one explicit list: the policy schema's format enum and its
/// formats' keys come from it, and a name not listed is an error at its line, never a fallback to another
/// reader. A front end adds a format with <see cref="With"/> and gives the catalogue to its registry; a
/// gate that alone reads a format declares it (<c>GateDescriptor.DatasetFormats</c>) and the registry adds it.
/// </summary>
public sealed class DatasetFormatCatalogue
{
    private DatasetFormatCatalogue(IReadOnlyList<DatasetFormat> all)
    {
        if (all.GroupBy(f => f.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"two dataset formats are named '{twice.Key}'", nameof(all));
        if (all.SelectMany(f => f.Keys.Properties().Select(p => p.Name)).FirstOrDefault(CommonKeys.Contains) is { } common)
            throw new ArgumentException($"'{common}' is a key every dataset takes; a format cannot claim it", nameof(all));
        if (all.FirstOrDefault(f => f.Required.Any(k => f.Keys[k] is null)) is { } undeclared)
            throw new ArgumentException($"the {undeclared.Name} format requires a key it does not declare", nameof(all));
        // A file a gate reads must be pinnable: an unpinnable one would be read unverified.
        if (all.SelectMany(f => f.PathKeys.Where(k => !CommonKeys.Contains(DatasetFormat.PinKey(k)) && f.Keys[DatasetFormat.PinKey(k)] is null).Select(k => $"the {f.Name} format's '{k}' names a file but the format declares no '{DatasetFormat.PinKey(k)}' to pin it")).FirstOrDefault() is { } unpinned)
            throw new ArgumentException(unpinned, nameof(all));
        All = all;
    }

    public IReadOnlyList<DatasetFormat> All { get; }

    /// <summary>This catalogue and one format more, whose name is new.</summary>
    public DatasetFormatCatalogue With(DatasetFormat format) => new([.. All, format]);

    public DatasetFormat? Find(string name) => All.FirstOrDefault(f => f.Name == name);

    /// <summary>Keys every format takes.</summary>
    public static IReadOnlyList<string> CommonKeys { get; } = ["path", "format", "sha256", "labelsSha256", "valueRange", "layout"];

    private static JObject LabelsFileKey => new()
    {
        [DatasetFormat.LabelsKey] = JObject.Parse("""{"$ref": "#/definitions/relativePath", "description": "the file holding the labels.", "x-stricter": "neutral"}"""),
    };

    public static DatasetFormatCatalogue BuiltIn { get; } = new(
    [
        new("idx", "MNIST-style IDX files (gzipped or not), unsigned bytes or float32, with a labels file", LabelsFileKey, [DatasetFormat.LabelsKey], Folder: false,
            d => new IdxDatasetReader(d.Path, d.LabelsPath!), name => name.EndsWith(".idx", StringComparison.Ordinal) || name.EndsWith(".idx.gz", StringComparison.Ordinal) || name.Contains("-idx", StringComparison.Ordinal)),
        new("csv", "one sample a line, numbers only (gzipped or not), the label in labelColumn; a first line with no number in it is a header; a missing value is an error at its line and column",
            JObject.Parse("""
                {
                  "labelColumn": {"type": "integer", "minimum": -65536, "maximum": 65535, "default": -1, "description": "the column holding the label; negative counts from the end (-1: the last).", "x-stricter": "neutral"},
                  "categoricalColumns": {"type": "array", "uniqueItems": true, "items": {"type": "integer", "minimum": -65536, "maximum": 65535}, "description": "the columns holding category codes (a merchant type, a country code) rather than amounts, counted as labelColumn is. The poisoning gate's label check reads each as one indicator a category the golden set holds (a category it lacks reads as none of them) instead of as a number.", "x-stricter": "neutral"},
                  "idColumn": {"type": "integer", "minimum": -65536, "maximum": 65535, "description": "a column naming each row (a transaction id; any text), counted as labelColumn is. It is never read as a feature, and the poisoning gate's quarantine file gives it beside each row's number, so a data engineer finds the rows by their own key.", "x-stricter": "neutral"}
                }
                """), [], Folder: false,
            d => new CsvDatasetReader(d.Path, d.Option<int>("labelColumn"), d.Options["categoricalColumns"]?.Values<int>().ToList() ?? [], d.Options["idColumn"]?.Value<int>()),
            name => name.EndsWith(".csv", StringComparison.Ordinal) || name.EndsWith(".csv.gz", StringComparison.Ordinal), Table: true),
        new("npy", "a NumPy .npy array of features and one of labels", LabelsFileKey, [DatasetFormat.LabelsKey], Folder: false,
            d => NpyDatasetReader.FromFiles(d.Path, d.LabelsPath!), name => name.EndsWith(".npy", StringComparison.Ordinal)),
        new("npz", "a NumPy .npz archive holding the features and the labels arrays",
            JObject.Parse("""
                {
                  "featuresArray": {"type": "string", "default": "x", "description": "the array holding the features.", "x-stricter": "neutral"},
                  "labelsArray": {"type": "string", "default": "y", "description": "the array holding the labels.", "x-stricter": "neutral"}
                }
                """), [], Folder: false,
            d => NpyDatasetReader.FromArchive(d.Path, d.Option<string>("featuresArray"), d.Option<string>("labelsArray")), name => name.EndsWith(".npz", StringComparison.Ordinal)),
        new("image-folder", "a folder with one subfolder a class (in name order) of PNG or JPEG images of one size",
            JObject.Parse("""{"channels": {"enum": [1, 3], "default": 3, "description": "1 reads images as grayscale, 3 as RGB (values in HWC order).", "x-stricter": "neutral"}}"""), [], Folder: true,
            d => new ImageFolderDatasetReader(d.Path, d.Option<int>("channels")), Recognises: null, Layout: "HWC"),
    ]);
}
