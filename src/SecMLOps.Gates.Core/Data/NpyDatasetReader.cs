using System.IO.Compression;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Data;

/// <summary>Features and labels from two .npy files, or from two arrays of one .npz archive (default x and y).</summary>
public sealed class NpyDatasetReader : IDatasetReader
{
    private readonly Func<(Stream Stream, string Name)> _openFeatures;
    private readonly Func<(Stream Stream, string Name)> _openLabels;
    private readonly int _count;

    private NpyDatasetReader(Func<(Stream, string)> openFeatures, Func<(Stream, string)> openLabels)
    {
        (_openFeatures, _openLabels) = (openFeatures, openLabels);
        var (features, featuresName) = openFeatures();
        using (features)
        {
            var array = NpyArray.ReadHeader(features, featuresName);
            NaturalRange = array.Descr is "|u1" or "<u1" ? (0, 255) : null;
            _count = array.Shape[0];
            FeatureCount = DatasetReaders.SampleSize(array.Shape.Skip(1), featuresName);
        }
        var (labels, labelsName) = openLabels();
        using (labels)
        {
            var array = NpyArray.ReadHeader(labels, labelsName);
            if (array.Shape.Length != 1 || array.Shape[0] != _count)
                throw new InvalidDataException($"{featuresName} has {_count} samples but {labelsName} has shape ({string.Join(", ", array.Shape)})");
        }
    }

    public int FeatureCount { get; }

    public long? DeclaredRows => _count;

    public (double Min, double Max)? NaturalRange { get; }

    public static NpyDatasetReader FromFiles(string features, string labels) =>
        new(() => (InputFiles.OpenRead(features, InputLimits.DatasetBytes), Path.GetFileName(features)), () => (InputFiles.OpenRead(labels, InputLimits.DatasetBytes), Path.GetFileName(labels)));

    public static NpyDatasetReader FromArchive(string archive, string featuresArray, string labelsArray) =>
        new(() => OpenEntry(archive, featuresArray), () => OpenEntry(archive, labelsArray));

    public IEnumerable<LabeledBatch> ReadBatches(int batchSize)
    {
        var (features, featuresName) = _openFeatures();
        var (labels, labelsName) = _openLabels();
        using (features)
        using (labels)
        {
            var featureArray = NpyArray.ReadHeader(features, featuresName);
            var labelArray = NpyArray.ReadHeader(labels, labelsName);
            var labelValues = new float[batchSize];
            for (var first = 0; first < _count; first += batchSize)
            {
                var count = Math.Min(batchSize, _count - first);
                var values = new float[count * FeatureCount];
                featureArray.ReadElements(features, values, featuresName);
                labelArray.ReadElements(labels, labelValues.AsSpan(0, count), labelsName);
                var classes = new int[count];
                for (var i = 0; i < count; i++)
                {
                    if (labelValues[i] < 0 || labelValues[i] != MathF.Round(labelValues[i]))
                        throw new InvalidDataException($"{labelsName}: label {labelValues[i]} of row {first + i} is not a class index");
                    classes[i] = (int)labelValues[i];
                }
                yield return new LabeledBatch(first, count, FeatureCount, values, classes);
            }
            InputFiles.RequireEnd(features, featuresName);
            InputFiles.RequireEnd(labels, labelsName);
        }
    }

    // An archive entry is opened afresh for each pass: zip streams cannot seek.
    private static (Stream, string) OpenEntry(string archive, string array)
    {
        var zip = ZipFile.OpenRead(archive);
        if (new FileInfo(archive).Length > InputLimits.DatasetBytes)
        {
            zip.Dispose();
            throw new InvalidDataException($"{Path.GetFileName(archive)} is larger than {InputLimits.DatasetBytes} bytes; the gate refuses it");
        }
        var entry = zip.GetEntry(array + ".npy") ?? zip.GetEntry(array);
        if (entry is null)
        {
            zip.Dispose();
            throw new InvalidDataException($"{Path.GetFileName(archive)} has no array '{array}'");
        }
        var name = $"{Path.GetFileName(archive)}:{array}";
        return (new OwningStream(InputFiles.OpenEntry(entry, name, InputLimits.DatasetBytes), zip), name);
    }

    /// <summary>Disposes the archive with the entry stream.</summary>
    private sealed class OwningStream(Stream inner, IDisposable owner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) { inner.Dispose(); owner.Dispose(); }
            base.Dispose(disposing);
        }
    }
}
