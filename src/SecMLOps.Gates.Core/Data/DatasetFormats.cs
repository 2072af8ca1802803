namespace SecMLOps.Gates.Data;

/// <summary>A dataset format: its name in policies, the keys only it takes, and how its reader opens.</summary>
/// <param name="OwnKeys">Dataset keys that only this format reads (besides path, format, digests, valueRange and layout).</param>
/// <param name="LabelsFile">Whether the labels come in a file of their own (the `labels` key, then required).</param>
/// <param name="Folder">Whether `path` names a folder rather than a file.</param>
/// <param name="Table">Whether the format holds tables (columns with scales of their own) rather than arrays of one kind of value such as pixels.</param>
/// <param name="Open">The reader of its labelled samples; null for a format that holds no labelled samples (detection annotations), which only the gates made for it read.</param>
public sealed record DatasetFormat(string Name, string Description, IReadOnlyList<string> OwnKeys, bool LabelsFile, bool Folder, Func<DatasetSpec, IDatasetReader>? Open, bool Table = false);

/// <summary>
/// Every dataset format the engine reads, in one explicit list: the policy schema's format enum comes
/// from it, and a name not listed is an error at its line, never a fallback to another reader.
/// </summary>
public static class DatasetFormats
{
    public static IReadOnlyList<DatasetFormat> All { get; } =
    [
        new("idx", "MNIST-style IDX files (gzipped or not), unsigned bytes or float32, with a labels file", ["labels"], LabelsFile: true, Folder: false,
            d => new IdxDatasetReader(d.Path, d.LabelsPath!)),
        new("csv", "one sample a line, numbers only (gzipped or not), the label in labelColumn; a first line with no number in it is a header; a missing value is an error at its line and column", ["labelColumn", "categoricalColumns", "idColumn"], LabelsFile: false, Folder: false,
            d => new CsvDatasetReader(d.Path, d.LabelColumn, d.CategoricalColumns ?? [], d.IdColumn), Table: true),
        new("npy", "a NumPy .npy array of features and one of labels", ["labels"], LabelsFile: true, Folder: false,
            d => NpyDatasetReader.FromFiles(d.Path, d.LabelsPath!)),
        new("npz", "a NumPy .npz archive holding the features and the labels arrays", ["featuresArray", "labelsArray"], LabelsFile: false, Folder: false,
            d => NpyDatasetReader.FromArchive(d.Path, d.FeaturesArray, d.LabelsArray)),
        new("image-folder", "a folder with one subfolder a class (in name order) of PNG or JPEG images of one size", ["channels"], LabelsFile: false, Folder: true,
            d => new ImageFolderDatasetReader(d.Path, d.Channels)),
        new(PedestrianAnnotations, "pedestrian boxes in the CityPersons form of COCO JSON (images with id and file_name; annotations with bbox, height, vis_ratio and ignore) in `path`, " +
            "the images they name (PNG or JPEG, one size) in the folder `images`, pinned as a folder by `imagesSha256`; read by the detection gates, never as labelled samples", ["images", "imagesSha256"], LabelsFile: false, Folder: false, Open: null),
    ];

    /// <summary>The format of annotated pedestrian images, which the detection gates read.</summary>
    public const string PedestrianAnnotations = "pedestrian-annotations";

    /// <summary>Keys every format takes.</summary>
    public static IReadOnlyList<string> CommonKeys { get; } = ["path", "format", "sha256", "labelsSha256", "valueRange", "layout"];

    public static DatasetFormat? Find(string name) => All.FirstOrDefault(f => f.Name == name);
}
