using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Data;

namespace SecMLOps.Gates.Tests.Data.Example;

/// <summary>
/// A dataset format only the tests add: JSON Lines, one sample a line as an object whose
/// <c>featuresField</c> (default "x") holds the features and whose <c>labelField</c> (default "y") holds the
/// label, a class number or, when the key <c>classes</c> names a file of class names (one a line, in class
/// order), a class name. Adding it takes this file, whose <see cref="Format"/> is the one entry a dataset
/// format catalogue given to a registry needs; its keys are its own, with their schemas and defaults, and
/// the file <c>classes</c> names is resolved, confined and pinned (<c>classesSha256</c>) by the engine.
/// </summary>
internal sealed class JsonLinesDatasetReader : IDatasetReader
{
    public const string ClassesKey = "classes";

    public static readonly DatasetFormat Format = new("jsonl", "JSON Lines: one sample a line, an object holding its features and its label",
        JObject.Parse("""
            {
              "featuresField": {"type": "string", "default": "x", "description": "the field holding a sample's features.", "x-stricter": "neutral"},
              "labelField": {"type": "string", "default": "y", "description": "the field holding a sample's label.", "x-stricter": "neutral"},
              "classes": {"$ref": "#/definitions/relativePath", "description": "a file of class names, one a line in class order; the labels are then names.", "x-stricter": "neutral"},
              "classesSha256": {"$ref": "#/definitions/sha256", "description": "the pinned digest of the classes file.", "x-stricter": "pinned"}
            }
            """), [], Folder: false,
        d => new JsonLinesDatasetReader(d.Path, d.Option<string>("featuresField"), d.Option<string>("labelField"), d.Named.GetValueOrDefault(ClassesKey)?.FullPath),
        name => name.EndsWith(".jsonl", StringComparison.Ordinal));

    private readonly List<(float[] Features, int Label)> _rows = [];

    private JsonLinesDatasetReader(string path, string featuresField, string labelField, string? classesFile)
    {
        var classes = classesFile is null ? null : File.ReadAllLines(classesFile).Select((name, i) => (name, i)).ToDictionary(c => c.name, c => c.i);
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            var row = JObject.Parse(line);
            var features = row[featuresField] as JArray ?? throw new InvalidDataException($"line {number}: no array '{featuresField}'");
            var label = row[labelField] ?? throw new InvalidDataException($"line {number}: no label '{labelField}'");
            _rows.Add((features.Values<float>().ToArray(), classes is null ? label.Value<int>()
                : classes.TryGetValue(label.Value<string>()!, out var known) ? known : throw new InvalidDataException($"line {number}: '{label}' is not a class of {Path.GetFileName(classesFile)}")));
        }
        if (_rows.Count == 0 || _rows.Any(r => r.Features.Length != _rows[0].Features.Length))
            throw new InvalidDataException("no samples, or samples of different lengths");
    }

    public int FeatureCount => _rows[0].Features.Length;

    public long? DeclaredRows => _rows.Count;

    public (double Min, double Max)? NaturalRange => null;

    public IEnumerable<LabeledBatch> ReadBatches(int batchSize) =>
        _rows.Chunk(batchSize).Select((chunk, i) => new LabeledBatch(i * batchSize, chunk.Length, FeatureCount,
            chunk.SelectMany(r => r.Features).ToArray(), chunk.Select(r => r.Label).ToArray()));
}
