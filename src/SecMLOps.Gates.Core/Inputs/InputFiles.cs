using System.Buffers.Binary;
using System.IO.Compression;

namespace SecMLOps.Gates.Inputs;

/// <summary>
/// How every reader opens an input file: with a size limit, and for gzip files and zip entries with
/// their checksums verified at the end. Problems are <see cref="InvalidDataException"/>s naming the
/// file, which the callers turn into input errors at the line that named it.
/// </summary>
public static class InputFiles
{
    /// <summary>Opens a file for reading; a .gz file is decompressed and verified.</summary>
    public static Stream OpenRead(string path, long limit)
    {
        var name = Path.GetFileName(path);
        var file = OpenFile(path);
        if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            if (file.Length > limit)
            {
                file.Dispose();
                throw new InvalidDataException($"{name} is larger than {limit} bytes; the gate refuses it");
            }
            return file;
        }
        try
        {
            if (file.Length < 18)
                throw new InvalidDataException($"{name} is too short to be a gzip file");
            Span<byte> bytes = stackalloc byte[8];
            file.ReadExactly(bytes[..2]);
            if (bytes[0] != 0x1f || bytes[1] != 0x8b)
                throw new InvalidDataException($"{name} is not a gzip file (bad magic number)");
            file.Seek(-8, SeekOrigin.End);
            file.ReadExactly(bytes);
            file.Seek(0, SeekOrigin.Begin);
            return new ChecksummedStream(new GZipStream(file, CompressionMode.Decompress), name,
                BinaryPrimitives.ReadUInt32LittleEndian(bytes), BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]), lengthModulo32: true, limit);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Opens a zip entry, verified against the CRC-32 and size its header records.</summary>
    public static Stream OpenEntry(ZipArchiveEntry entry, string name, long limit) =>
        new ChecksummedStream(entry.Open(), name, entry.Crc32, entry.Length, lengthModulo32: false, limit);

    /// <summary>Reads a whole (small) file as UTF-8 text.</summary>
    public static string ReadAllText(string path, long limit)
    {
        using var stream = OpenRead(path, limit);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static byte[] ReadAllBytes(string path, long limit)
    {
        using var stream = OpenRead(path, limit);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>
    /// A reader that has read all it expected calls this: trailing bytes mean the header lied (a
    /// truncated count, a file of another shape), and reaching the end is what verifies a checksum.
    /// </summary>
    public static void RequireEnd(Stream stream, string name)
    {
        Span<byte> probe = stackalloc byte[1];
        if (stream.Read(probe) != 0)
            throw new InvalidDataException($"{name} has more data than its header declares");
    }

    private static FileStream OpenFile(string path)
    {
        if (SpecialFiles.NotRegular(path) is { } what)
            throw new InvalidDataException($"{Path.GetFileName(path)} is {what}, not a file; the gate reads regular files only");
        try
        {
            return File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{Path.GetFileName(path)} cannot be read: {e.Message}");
        }
    }
}
