using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Data;

namespace SecMLOps.Gates.Tests.Data.Example;

/// <summary>
/// A dataset format only the tests add: JSON Lines, one sample a line as an object whose
/// <c>featuresField</c> (default "x") holds the features and whose <c>labelField</c> (default "y") holds the
/// label. Adding it takes this file, whose <see cref="Format"/> is the one entry a dataset format catalogue
/// given to a registry needs; its two keys are its own, with their schemas and defaults.
/// </summary>
internal sealed class JsonLinesDatasetReader : IDatasetReader
{
    public static readonly DatasetFormat Format = new("jsonl", "JSON Lines: one sample a line, an object holding its features and its label",
        JObject.Parse("""
            {
              "featuresField": {"type": "string", "default": "x", "description": "the field holding a sample's features.", "x-stricter": "neutral"},
              "labelField": {"type": "string", "default": "y", "description": "the field holding a sample's label.", "x-stricter": "neutral"}
            }
            """), [], Folder: false,
        d => new JsonLinesDatasetReader(d.Path, d.Option<string>("featuresField"), d.Option<string>("labelField")),
        name => name.EndsWith(".jsonl", StringComparison.Ordinal));

    private readonly List<(float[] Features, int Label)> _rows = [];

    private JsonLinesDatasetReader(string path, string featuresField, string labelField)
    {
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            var row = JObject.Parse(line);
            var features = row[featuresField] as JArray ?? throw new InvalidDataException($"line {number}: no array '{featuresField}'");
            var label = row[labelField] ?? throw new InvalidDataException($"line {number}: no label '{labelField}'");
            _rows.Add((features.Values<float>().ToArray(), label.Value<int>()));
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
