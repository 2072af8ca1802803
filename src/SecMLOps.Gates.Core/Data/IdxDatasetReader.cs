using System.Buffers.Binary;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Data;

/// <summary>IDX files (the MNIST format, gzipped or not): unsigned-byte or float images, unsigned-byte labels.</summary>
public sealed class IdxDatasetReader : IDatasetReader
{
    private const byte UnsignedByte = 0x08;
    private const byte Float32 = 0x0D;
    private readonly string _images;
    private readonly string _labels;
    private readonly byte _type;
    private readonly int _count;

    public IdxDatasetReader(string images, string labels)
    {
        (_images, _labels) = (images, labels);
        using var stream = Open(images);
        var (type, dims) = ReadHeader(stream, images);
        if (type is not (UnsignedByte or Float32))
            throw new InvalidDataException($"{Path.GetFileName(images)}: IDX element type 0x{type:X2} is not supported (unsigned byte or float)");
        _type = type;
        _count = dims[0];
        FeatureCount = DatasetReaders.SampleSize(dims.Skip(1), Path.GetFileName(images));
        using var labelStream = Open(labels);
        var (labelType, labelDims) = ReadHeader(labelStream, labels);
        if (labelType != UnsignedByte || labelDims.Length != 1)
            throw new InvalidDataException($"{Path.GetFileName(labels)}: labels must be a one-dimensional unsigned-byte IDX file");
        if (labelDims[0] != _count)
            throw new InvalidDataException($"{Path.GetFileName(images)} has {_count} samples but {Path.GetFileName(labels)} has {labelDims[0]} labels");
    }

    public int FeatureCount { get; }

    public long? DeclaredRows => _count;

    public (double Min, double Max)? NaturalRange => _type == UnsignedByte ? (0, 255) : null;

    public IEnumerable<LabeledBatch> ReadBatches(int batchSize)
    {
        using var images = Open(_images);
        using var labels = Open(_labels);
        ReadHeader(images, _images);
        ReadHeader(labels, _labels);
        var elementSize = _type == Float32 ? 4 : 1;
        var raw = new byte[batchSize * FeatureCount * elementSize];
        var labelBytes = new byte[batchSize];
        for (var first = 0; first < _count; first += batchSize)
        {
            var count = Math.Min(batchSize, _count - first);
            ReadExactly(images, raw.AsSpan(0, count * FeatureCount * elementSize), _images);
            ReadExactly(labels, labelBytes.AsSpan(0, count), _labels);
            var features = new float[count * FeatureCount];
            if (_type == UnsignedByte)
                for (var i = 0; i < features.Length; i++) features[i] = raw[i];
            else
                for (var i = 0; i < features.Length; i++) features[i] = BinaryPrimitives.ReadSingleBigEndian(raw.AsSpan(i * 4, 4));
            yield return new LabeledBatch(first, count, FeatureCount, features, labelBytes.AsSpan(0, count).ToArray().Select(b => (int)b).ToArray());
        }
        InputFiles.RequireEnd(images, Path.GetFileName(_images));
        InputFiles.RequireEnd(labels, Path.GetFileName(_labels));
    }

    private static Stream Open(string path) => InputFiles.OpenRead(path, InputLimits.DatasetBytes);

    private static (byte Type, int[] Dimensions) ReadHeader(Stream stream, string path)
    {
        Span<byte> magic = stackalloc byte[4];
        ReadExactly(stream, magic, path);
        if (magic[0] != 0 || magic[1] != 0 || magic[3] is 0 or > 4)
            throw new InvalidDataException($"{Path.GetFileName(path)} is not an IDX file (bad magic number)");
        var dims = new int[magic[3]];
        Span<byte> value = stackalloc byte[4];
        for (var i = 0; i < dims.Length; i++)
        {
            ReadExactly(stream, value, path);
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(value);
            if (dims[i] <= 0)
                throw new InvalidDataException($"{Path.GetFileName(path)}: dimension {i} is {dims[i]}");
        }
        return (magic[2], dims);
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string path)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{Path.GetFileName(path)} ends early: it is truncated or corrupt");
        }
    }
}
