using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using SecMLOps.Gates.Robustness.Models;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Onnx;

/// <summary>
/// ONNX Runtime inference: the reference for clean accuracy and the engine of the black-box attack.
/// It gives no gradients. A model whose batch dimension is fixed at 1 is run sample by sample.
/// </summary>
public sealed class OnnxRuntimeModel : IClassifierModel
{
    private readonly InferenceSession _session;
    // One for the model's life: ONNX Runtime reads it during each run, and a RunOptions made per call is
    // left to the finalizer, which may free it while that run is still going.
    private readonly RunOptions _runOptions = new();
    private readonly string _input;
    private readonly bool _fixedBatchOfOne;
    private float[] _buffer = [];

    static OnnxRuntimeModel()
    {
        // ONNX Runtime collects usage events (on Linux into a database under ~/.cache, sent to Microsoft's
        // collector); a gate in an air-gapped or audited CI writes and contacts nothing. The variable must
        // be in the native environment before the runtime starts: .NET keeps its own copy on Unix.
        if (OperatingSystem.IsWindows())
            Environment.SetEnvironmentVariable(DisableTelemetry, "1");
        else
            SetNativeEnvironment(DisableTelemetry, "1", overwrite: 1);
        OrtEnv.Instance().DisableTelemetryEvents();
    }

    private const string DisableTelemetry = "ORT_DISABLE_TELEMETRY";

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetNativeEnvironment([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    public OnnxRuntimeModel(string path, bool useCuda = false) : this(OnnxModelFile.Read(path), useCuda)
    {
    }

    /// <summary>The session is made from the bytes the gate examined, never by opening the path again.</summary>
    public OnnxRuntimeModel(OnnxModelFile file, bool useCuda = false)
    {
        var options = new SessionOptions();
        // ONNX Runtime's threads spin after each run by default; between calls libtorch's threads run, and
        // on few cores the two pools then fight for them (a query of Square Attack took 8x its run time).
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        if (useCuda)
            options.AppendExecutionProvider_CUDA();
        _session = new InferenceSession(file.Bytes, options);
        _input = _session.InputMetadata.Keys.First();
        _fixedBatchOfOne = _session.InputMetadata[_input].Dimensions is [1, ..];
    }

    public bool Differentiable => false;

    public Tensor Logits(Tensor input)
    {
        var batch = input.detach().cpu().to_type(ScalarType.Float32).contiguous();
        if (_fixedBatchOfOne && batch.shape[0] != 1)
            return cat(Enumerable.Range(0, (int)batch.shape[0]).Select(i => Logits(batch[i].unsqueeze(0))).ToList(), 0);
        // One input buffer, reused: a fresh array per call (hundreds of KB, a large-object allocation) made
        // each of Square Attack's thousands of queries pay for a full garbage collection.
        var count = (int)batch.numel();
        if (_buffer.Length < count)
            _buffer = new float[count];
        batch.data<float>().CopyTo(_buffer);
        using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _buffer.AsMemory(0, count), batch.shape);
        using var results = _session.Run(_runOptions, [_input], [value], _session.OutputNames.Take(1).ToArray());
        var output = results[0];
        var shape = output.GetTensorTypeAndShape().Shape;
        return tensor(output.GetTensorDataAsSpan<float>().ToArray(), shape).to(input.device);
    }

    public void To(Device device)
    {
        // ONNX Runtime keeps its own device; inputs are copied to the CPU and results back.
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}
