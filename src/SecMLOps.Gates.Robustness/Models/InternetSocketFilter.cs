using System.Runtime.InteropServices;

namespace SecMLOps.Gates.Robustness.Models;

/// <summary>
/// A seccomp filter for the confined model thread: creating a socket of an internet or packet family
/// (IPv4, IPv6, raw packets), TCP and UDP alike, fails with EACCES, and so does setting up io_uring,
/// which could open sockets past the filter. Landlock blocks TCP only; this closes UDP (a DNS query is
/// enough to leak data). Like Landlock without thread synchronisation, it binds the calling thread and
/// the threads it starts. Calls of another architecture's ABI (i386, x32) are refused outright.
/// </summary>
internal static class InternetSocketFilter
{
    private const int SetSeccomp = 22, SeccompModeFilter = 2;
    private const uint Allow = 0x7fff0000, DenyWithEacces = 0x00050000 | 13;
    private const ushort Load = 0x20, JumpIfEqual = 0x15, JumpIfAtLeast = 0x35, Return = 0x06;
    private const uint ArchOffset = 4, NumberOffset = 0, FirstArgumentOffset = 16;
    private const uint X32Bit = 0x40000000, IoUringSetup = 425;
    private const uint Inet = 2, Inet6 = 10, Packet = 17;

    [StructLayout(LayoutKind.Sequential)]
    private struct Instruction(ushort code, byte jumpIfTrue, byte jumpIfFalse, uint operand)
    {
        public ushort Code = code;
        public byte JumpIfTrue = jumpIfTrue;
        public byte JumpIfFalse = jumpIfFalse;
        public uint Operand = operand;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Program
    {
        public ushort Length;
        public IntPtr Filter;
    }

    [DllImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static extern int Prctl(int option, ulong mode, ref Program program, ulong unused1, ulong unused2);

    /// <summary>The audit architecture and the socket call's number, where this filter knows them.</summary>
    private static (uint Arch, uint Socket)? Abi => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => (0xC000003E, 41),
        Architecture.Arm64 => (0xC00000B7, 198),
        _ => null,
    };

    public static bool Available => OperatingSystem.IsLinux() && Abi is not null;

    /// <summary>Installs the filter on the calling thread (no_new_privs must already be set); throws if the kernel refuses it.</summary>
    public static void Install()
    {
        var (arch, socket) = Abi!.Value;
        Instruction[] filter =
        [
            new(Load, 0, 0, ArchOffset),
            new(JumpIfEqual, 1, 0, arch),
            new(Return, 0, 0, DenyWithEacces),
            new(Load, 0, 0, NumberOffset),
            new(JumpIfAtLeast, 7, 0, X32Bit),
            new(JumpIfEqual, 6, 0, IoUringSetup),
            new(JumpIfEqual, 0, 4, socket),
            new(Load, 0, 0, FirstArgumentOffset),
            new(JumpIfEqual, 3, 0, Inet),
            new(JumpIfEqual, 2, 0, Inet6),
            new(JumpIfEqual, 1, 0, Packet),
            new(Return, 0, 0, Allow),
            new(Return, 0, 0, DenyWithEacces),
        ];
        var pinned = GCHandle.Alloc(filter, GCHandleType.Pinned);
        try
        {
            var program = new Program { Length = (ushort)filter.Length, Filter = pinned.AddrOfPinnedObject() };
            if (Prctl(SetSeccomp, SeccompModeFilter, ref program, 0, 0) < 0)
                throw new InvalidOperationException($"the kernel refused the seccomp filter (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            pinned.Free();
        }
    }
}
