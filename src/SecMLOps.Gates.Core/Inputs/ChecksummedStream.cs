using System.IO.Hashing;

namespace SecMLOps.Gates.Inputs;

/// <summary>
/// Reads a decompressed stream and, when it ends, checks the CRC-32 and the length its container
/// promised (a gzip trailer, a zip entry's header). .NET's decompressors check neither, so a corrupt
/// file would otherwise read as other data. Bytes past the limit are refused: a small archive cannot
/// expand without bound. Readers must read to the end (<see cref="InputFiles.RequireEnd"/>).
/// </summary>
/// <param name="lengthModulo32">gzip stores the length modulo 2^32.</param>
internal sealed class ChecksummedStream(Stream inner, string name, uint expectedCrc, long expectedLength, bool lengthModulo32, long limit) : Stream
{
    private readonly Crc32 _crc = new();
    private long _read;
    private bool _verified;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int count;
        try
        {
            count = inner.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{name} is corrupt: {e.Message}");
        }
        _crc.Append(buffer[..count]);
        _read += count;
        if (_read > limit)
            throw new InvalidDataException($"{name} expands past {limit} bytes; the gate refuses it");
        if (count == 0 && buffer.Length > 0)
            Verify();
        return count;
    }

    private void Verify()
    {
        if (_verified) return;
        _verified = true;
        var length = lengthModulo32 ? (uint)_read : _read;
        if (_crc.GetCurrentHashAsUInt32() != expectedCrc || length != expectedLength)
            throw new InvalidDataException($"{name} is corrupt: its CRC-32 or length does not match its content");
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
