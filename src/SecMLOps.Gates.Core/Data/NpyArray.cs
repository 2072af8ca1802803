using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SecMLOps.Gates.Data;

/// <summary>
/// Reads NumPy .npy arrays (format versions 1 to 3, C order) element by element as numbers;
/// little-endian floats and integers and unsigned bytes.
/// </summary>
internal sealed partial class NpyArray
{
    private NpyArray(string descr, int[] shape) => (Descr, Shape) = (descr, shape);

    public string Descr { get; }
    public int[] Shape { get; }
    public int ElementSize => int.Parse(Descr[2..], CultureInfo.InvariantCulture);

    /// <summary>Reads the header and leaves the stream at the first element.</summary>
    public static NpyArray ReadHeader(Stream stream, string name)
    {
        Span<byte> prefix = stackalloc byte[8];
        Read(stream, prefix, name);
        if (prefix[0] != 0x93 || Encoding.ASCII.GetString(prefix[1..6]) != "NUMPY")
            throw new InvalidDataException($"{name} is not a .npy array (bad magic)");
        var major = prefix[6];
        Span<byte> length = stackalloc byte[4];
        Read(stream, length[..(major == 1 ? 2 : 4)], name);
        var headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(length) : (int)BinaryPrimitives.ReadUInt32LittleEndian(length);
        if (headerLength > 65536)
            throw new InvalidDataException($"{name}: .npy header too long");
        var header = new byte[headerLength];
        Read(stream, header, name);
        var text = Encoding.Latin1.GetString(header);
        var descr = DescrPattern().Match(text);
        var shape = ShapePattern().Match(text);
        if (!descr.Success || !shape.Success)
            throw new InvalidDataException($"{name}: unreadable .npy header {text.Trim()}");
        if (FortranOrder().IsMatch(text))
            throw new InvalidDataException($"{name}: Fortran-ordered arrays are not supported");
        var type = descr.Groups[1].Value;
        if (type is not ("|u1" or "<f4" or "<f8" or "<i8" or "<i4" or "|i1" or "<u1"))
            throw new InvalidDataException($"{name}: element type {type} is not supported");
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out var size)
                ? size
                : throw new InvalidDataException($"{name}: the shape's dimension '{d}' is not a size up to {int.MaxValue}")).ToArray();
        return new NpyArray(type, dims.Length == 0 ? [1] : dims);
    }

    /// <summary>Reads <paramref name="count"/> elements into <paramref name="target"/>.</summary>
    public void ReadElements(Stream stream, Span<float> target, string name)
    {
        var size = ElementSize;
        var buffer = new byte[target.Length * size];
        Read(stream, buffer, name);
        for (var i = 0; i < target.Length; i++)
        {
            var bytes = buffer.AsSpan(i * size, size);
            target[i] = Descr switch
            {
                "<f4" => BinaryPrimitives.ReadSingleLittleEndian(bytes),
                "<f8" => (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes),
                "<i8" => BinaryPrimitives.ReadInt64LittleEndian(bytes),
                "<i4" => BinaryPrimitives.ReadInt32LittleEndian(bytes),
                "|i1" => (sbyte)bytes[0],
                _ => bytes[0],
            };
        }
    }

    private static void Read(Stream stream, Span<byte> buffer, string name)
    {
        try { stream.ReadExactly(buffer); }
        catch (EndOfStreamException) { throw new InvalidDataException($"{name} ends early: it is truncated or corrupt"); }
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*True")]
    private static partial Regex FortranOrder();
}
