using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace SecMLOps.Gates.Robustness.Models;

/// <summary>
/// Runs model code (loading a model and every forward and backward pass) on a thread of its own that
/// first enters a Linux Landlock domain: from then on that thread, and every thread it starts (the
/// runtimes' worker pools are created there), may read files but not write, create, remove, rename
/// or truncate any, nor execute one, and (Landlock ABI 4 and later) neither bind nor connect a TCP
/// socket; from ABI 6 it cannot reach abstract Unix sockets or signal processes outside. A seccomp
/// filter (<see cref="InternetSocketFilter"/>) refuses it any internet or packet socket, UDP included. Under /dev
/// existing device nodes may be opened for writing and driven by ioctl (GPU drivers need it); nothing
/// can be created there either. The scanner
/// refuses hostile models before they load; this is the second barrier, for what a scanner misses.
/// What it cannot block: reading any file the process may read; files opened before the domain began; threads
/// the process started earlier (the .NET runtime's own, a runtime pool made by an earlier rule); and
/// the gate's own memory, since the model runs in its address space. Where the kernel has no Landlock
/// only the network is confined, and off Linux nothing is; <see cref="Status"/> says which.
/// </summary>
public static class ModelConfinement
{
    private const long CreateRuleset = 444, AddRule = 445, RestrictSelf = 446;
    private const uint CreateRulesetVersion = 1;
    private const int RulePathBeneath = 1;
    private const int SetNoNewPrivileges = 38;
    private const int OpenPath = 0x200000, OpenCloseOnExec = 0x80000;

    // Filesystem rights by the ABI that introduced them: execute .. make symlink (1), refer (2), truncate (3), ioctl on devices (5).
    private const ulong Execute = 1, WriteFile = 1 << 1, ReadFile = 1 << 2, ReadDirectory = 1 << 3, RemoveDirectory = 1 << 4, RemoveFile = 1 << 5,
        MakeDirectory = 1 << 7, MakeRegular = 1 << 8, Truncate = 1 << 14, IoctlDevice = 1 << 15;
    private static readonly ulong[] FileSystemRightsByAbi = [0, (1UL << 13) - 1, (1UL << 14) - 1, (1UL << 15) - 1, (1UL << 15) - 1, (1UL << 16) - 1];
    private const ulong BindTcp = 1, ConnectTcp = 2;
    private const ulong ScopeAbstractUnixSocket = 1, ScopeSignal = 2;

    [StructLayout(LayoutKind.Sequential)]
    private struct RulesetAttributes
    {
        public ulong HandledFileSystem;
        public ulong HandledNetwork;
        public ulong Scoped;
    }

    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    private struct PathBeneath
    {
        public ulong Allowed;
        public int ParentFd;
    }

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long QueryAbi(long number, IntPtr attributes, nuint size, uint flags);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long CreateRulesetCall(long number, ref RulesetAttributes attributes, nuint size, uint flags);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long AddRuleCall(long number, int ruleset, int type, ref PathBeneath rule, uint flags);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long RestrictSelfCall(long number, int ruleset, uint flags);

    [DllImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static extern int Prctl(int option, ulong argument2, ulong argument3, ulong argument4, ulong argument5);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);

    private static readonly Lazy<int> Abi = new(() =>
    {
        if (!OperatingSystem.IsLinux())
            return 0;
        var version = QueryAbi(CreateRuleset, IntPtr.Zero, 0, CreateRulesetVersion);
        return version > 0 ? (int)version : 0;
    });

    /// <summary>What confinement models get on this machine, in words a progress line or report can carry.</summary>
    public static string Status => (Abi.Value, InternetSocketFilter.Available) switch
    {
        (0, false) => "models run unconfined: confinement needs Linux on x64 or arm64 (Landlock, seccomp)",
        (0, true) => "models confined by seccomp only: no internet or packet socket; files are not confined (the kernel offers no Landlock)",
        (< 4, _) => $"models confined by Landlock ABI {Abi.Value} and seccomp: no file written, created, removed or executed, no internet or packet socket",
        _ => $"models confined by Landlock ABI {Abi.Value} and seccomp: no file written, created, removed or executed, no TCP bind or connect, no internet or packet socket",
    };

    /// <summary>What a process started by <see cref="StartProcess"/> may do on this machine, in words.</summary>
    public static string ProcessStatus => (Abi.Value, InternetSocketFilter.Available) switch
    {
        (0, false) => "unconfined: confinement needs Linux on x64 or arm64 (Landlock, seccomp)",
        (0, true) => "confined by seccomp only: no internet or packet socket; files are not confined (the kernel offers no Landlock)",
        _ => $"confined by Landlock ABI {Abi.Value} and seccomp: it reads only the repository, the tool and the system's libraries, writes only a scratch folder the gate discards, starts no program, and opens no internet socket",
    };

    /// <summary>Runs <paramref name="work"/> confined (see the class summary) and returns its result; its exception is rethrown here.</summary>
    public static T Run<T>(Func<T> work) => OnConfinedThread(() => Enter([("/", ReadFile | ReadDirectory)]), work);

    /// <summary>
    /// Starts a process confined from its first instruction: it is started from a thread that first
    /// enters a Landlock domain (read <paramref name="readable"/>, execute only <paramref name="executable"/>,
    /// write only beneath <paramref name="writable"/>) and the seccomp filter, which the process and
    /// everything it starts inherit. Unlike a thread of this process, it shares no memory with the gate.
    /// </summary>
    public static Process StartProcess(ProcessStartInfo start, IEnumerable<string> readable, string writable, string executable) =>
        OnConfinedThread(() => Enter([
            .. readable.Where(Path.Exists).Select(path => (path, File.Exists(path) ? ReadFile : ReadFile | ReadDirectory)),
            (executable, Execute | ReadFile),
            // The kernel opens the program's ELF interpreter for execution too.
            .. ProgramLoaders.Where(File.Exists).Select(loader => (loader, Execute | ReadFile)),
            (writable, ReadFile | ReadDirectory | WriteFile | RemoveDirectory | RemoveFile | MakeDirectory | MakeRegular | Truncate),
        ]), () => Process.Start(start) ?? throw new InvalidOperationException($"cannot start {start.FileName}"));

    /// <summary>The dynamic loaders of the architectures confinement supports (x64, arm64).</summary>
    private static readonly string[] ProgramLoaders = ["/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1"];

    private static T OnConfinedThread<T>(Action enter, Func<T> work)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        // Deep model graphs recurse in the runtimes: the stack of a main thread, not a pool thread's.
        var thread = new Thread(() =>
        {
            try
            {
                enter();
                result = work();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        }, maxStackSize: 16 * 1024 * 1024) { Name = "secmlops-confined-model", IsBackground = true };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    private static void Allow(int ruleset, string path, ulong rights)
    {
        var folder = Open(path, OpenPath | OpenCloseOnExec);
        if (folder < 0)
            throw new InvalidOperationException($"cannot open {path} for a Landlock rule (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            var rule = new PathBeneath { Allowed = rights, ParentFd = folder };
            if (AddRuleCall(AddRule, ruleset, RulePathBeneath, ref rule, 0) < 0)
                throw new InvalidOperationException($"Landlock refused the rule for {path} (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            Close(folder);
        }
    }

    /// <summary>
    /// Limits the calling thread (and the threads and processes it starts) to the given paths and
    /// rights (and, always, the existing device nodes under /dev) and cuts it off from the network, for good.
    /// </summary>
    private static void Enter(IReadOnlyList<(string Path, ulong Rights)> allowed)
    {
        if (!InternetSocketFilter.Available)
            return;
        // Both Landlock and seccomp need it: nothing this thread runs can gain privileges back.
        if (Prctl(SetNoNewPrivileges, 1, 0, 0, 0) < 0)
            throw new InvalidOperationException($"cannot set no_new_privs on the model's thread (errno {Marshal.GetLastPInvokeError()})");
        if (Abi.Value > 0)
            EnterLandlock(Math.Min(Abi.Value, 6), allowed);
        InternetSocketFilter.Install();
    }

    private static void EnterLandlock(int abi, IReadOnlyList<(string Path, ulong Rights)> allowed)
    {
        var attributes = new RulesetAttributes
        {
            HandledFileSystem = FileSystemRightsByAbi[Math.Min(abi, FileSystemRightsByAbi.Length - 1)],
            HandledNetwork = abi >= 4 ? BindTcp | ConnectTcp : 0,
            Scoped = abi >= 6 ? ScopeAbstractUnixSocket | ScopeSignal : 0,
        };
        var size = (nuint)(abi >= 6 ? 24 : abi >= 4 ? 16 : 8);
        var ruleset = (int)CreateRulesetCall(CreateRuleset, ref attributes, size, 0);
        if (ruleset < 0)
            throw new InvalidOperationException($"Landlock refused the ruleset (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            foreach (var (path, rights) in allowed)
                Allow(ruleset, path, rights & attributes.HandledFileSystem);
            // GPU drivers open their device nodes read-write and drive them with ioctl; nothing can be created there.
            Allow(ruleset, "/dev", (ReadFile | ReadDirectory | WriteFile | IoctlDevice) & attributes.HandledFileSystem);
            if (RestrictSelfCall(RestrictSelf, ruleset, 0) < 0)
                throw new InvalidOperationException($"Landlock did not confine the model's thread (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            Close(ruleset);
        }
    }
}
