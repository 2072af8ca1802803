using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SecMLOps.Gates.Robustness.Tensors;

/// <summary>
/// Sets up the C runtime for libtorch before libtorch first runs. Each setting a user made in the
/// environment is left as it is.
/// <list type="bullet">
/// <item>oneDNN, libtorch's CPU convolution backend, is capped at AVX2. On AVX-512 CPUs (measured on
/// AMD EPYC), libtorch 2.10's bundled oneDNN 3.7.1 computes wrong conv2d input gradients (off by up to
/// 90 % of their size, and run-to-run different with several threads) while the forward pass stays
/// right: attacks would then follow wrong gradients and the gate would report robustness a model does
/// not have. With the cap the gradients equal PyTorch's and an im2col reference (ConvolutionGradientTests).</item>
/// <item>glibc keeps freed heap memory instead of returning it (trim threshold 2 GiB; blocks up to
/// 32 MiB from the heap, not from their own mappings). Training and scoring free and allocate
/// same-sized tensors at every step; returned memory came back as fresh zeroed pages every time, which
/// cost the sample's poisoning rule 20 s of 37 in the kernel (25 s in all with the heap kept, the same
/// findings). The price is that the process keeps its peak heap until it exits: a peak resident memory
/// of 500 MB against 440 to 460 MB for the sample's policy.</item>
/// </list>
/// </summary>
internal static class NativeRuntimeSetup
{
    private const int TrimThreshold = -1, MmapThreshold = -3;

    // A module initializer runs before any code of this assembly, so no entry point can reach libtorch first.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Apply()
    {
        if (!OperatingSystem.IsLinux())
            return;
        // oneDNN reads the variable through the C runtime, which Environment.SetEnvironmentVariable does not reach on Unix.
        _ = SetEnvironment("ONEDNN_MAX_CPU_ISA", "AVX2", overwrite: 0);
        if (!UserTunesTheHeap())
            KeepFreedHeap();
    }

    private static bool UserTunesTheHeap() =>
        (Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? "").Contains("glibc.malloc.", StringComparison.Ordinal)
        || new[] { "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_" }.Any(v => Environment.GetEnvironmentVariable(v) is not null);

    private static void KeepFreedHeap()
    {
        try
        {
            _ = SetMallocParameter(MmapThreshold, 32 << 20);
            _ = SetMallocParameter(TrimThreshold, int.MaxValue);
        }
        catch (EntryPointNotFoundException)
        {
            // A C library without mallopt (not glibc) keeps its own heap policy.
        }
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnvironment([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int SetMallocParameter(int parameter, int value);
}
