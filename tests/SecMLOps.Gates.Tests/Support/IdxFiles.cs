using System.Buffers.Binary;
using System.IO.Compression;

namespace SecMLOps.Gates.Tests.Support;

/// <summary>Reads and writes IDX files (the MNIST format), to derive poisoned copies of real data in tests.</summary>
internal static class IdxFiles
{
    public static byte[] ReadLabels(string path) => Read(path)[8..];

    public static byte[] ReadImages(string path) => Read(path)[16..];

    public static void WriteLabels(string path, byte[] labels)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteInt32BigEndian(header, 0x801);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), labels.Length);
        Write(path, [.. header, .. labels]);
    }

    public static void WriteImages(string path, byte[] pixels, int rows, int columns)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), pixels.Length / (rows * columns));
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), columns);
        Write(path, [.. header, .. pixels]);
    }

    private static void Write(string path, byte[] bytes)
    {
        using var file = File.Create(path);
        using Stream stream = path.EndsWith(".gz") ? new GZipStream(file, CompressionLevel.Optimal) : file;
        stream.Write(bytes);
    }

    private static byte[] Read(string path)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz") ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
