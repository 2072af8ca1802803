using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SecMLOps.Gates.Robustness.Tensors;

/// <summary>
/// Caps oneDNN, libtorch's CPU convolution backend, at AVX2 before libtorch first runs.
/// On AVX-512 CPUs (measured on AMD EPYC), libtorch 2.10's bundled oneDNN 3.7.1 computes wrong conv2d
/// input gradients (off by up to 90 % of their size, and run-to-run different with several threads)
/// while the forward pass stays right: attacks would then follow wrong gradients and the gate would report
/// robustness a model does not have. With the cap the gradients equal PyTorch's and an im2col reference
/// (ConvolutionGradientTests). A user's own ONEDNN_MAX_CPU_ISA is left as it is.
/// </summary>
internal static class OneDnnIsaCap
{
    // A module initializer runs before any code of this assembly, so no entry point can reach libtorch first.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Apply()
    {
        // oneDNN reads the variable through the C runtime, which Environment.SetEnvironmentVariable does not reach on Unix.
        if (OperatingSystem.IsLinux())
            _ = SetEnvironment("ONEDNN_MAX_CPU_ISA", "AVX2", overwrite: 0);
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnvironment([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
