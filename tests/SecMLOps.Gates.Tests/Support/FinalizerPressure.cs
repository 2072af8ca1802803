namespace SecMLOps.Gates.Tests.Support;

/// <summary>
/// Another thread that collects garbage and runs finalizers without pause, with libtorch objects of
/// its own to finalize, for as long as the returned handle is held. A libtorch or ONNX Runtime object
/// that gate code leaves to the finalizer while native code still reads it (a Scalar made from a bare
/// number, a temporary tensor, a RunOptions) is then freed mid-call and the process crashes, where under
/// normal GC pressure it would crash once in many runs.
/// </summary>
internal sealed class FinalizerPressure : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _collector;

    public FinalizerPressure()
    {
        _collector = Task.Run(() =>
        {
            while (!_stop.IsCancellationRequested)
            {
                _ = Enumerable.Range(0, 64).Select(i => TorchSharp.torch.tensor((float)i)).ToList();
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
    }

    /// <summary>Tensors the calling thread has made outside any dispose scope so far (TorchSharp counts them per thread).</summary>
    public static long TensorsMadeOutsideScopes => TorchSharp.DisposeScopeManager.Statistics.CreatedOutsideScopeCount;

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _collector;
        _stop.Dispose();
    }
}
