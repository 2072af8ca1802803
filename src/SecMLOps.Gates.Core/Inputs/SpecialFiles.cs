using System.Runtime.InteropServices;

namespace SecMLOps.Gates.Inputs;

/// <summary>
/// Tells regular files from FIFOs, devices and sockets, which .NET reports alike: opening a FIFO
/// blocks until someone writes to it, and a device can be read without end, so the gate reads
/// regular files only. On Linux the file's type comes from statx(2), whose layout is the same on
/// every architecture.
/// </summary>
public static class SpecialFiles
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int StatxModeOffset = 28;
    private const int FileTypeMask = 0xF000;

    /// <summary>A description of what the existing path is when it is neither a regular file nor a folder ("a FIFO"), else null.</summary>
    public static string? NotRegular(string path)
    {
        if (!OperatingSystem.IsLinux())
            return null;
        var buffer = new byte[256];
        if (Statx(AtFdCwd, path, 0, StatxType, buffer) != 0)
            return null;
        return (BitConverter.ToUInt16(buffer, StatxModeOffset) & FileTypeMask) switch
        {
            0x8000 or 0x4000 => null,
            0x1000 => "a FIFO (named pipe)",
            0x2000 => "a character device",
            0x6000 => "a block device",
            0xC000 => "a socket",
            _ => "not a regular file",
        };
    }

    [DllImport("libc", EntryPoint = "statx")]
    private static extern int Statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
