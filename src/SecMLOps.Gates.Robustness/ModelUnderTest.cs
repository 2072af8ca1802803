using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;
using SecMLOps.Gates.Robustness.Attacks;
using SecMLOps.Gates.Robustness.Models;
using SecMLOps.Gates.Robustness.Onnx;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness;

/// <summary>
/// A model as the gate runs it: the differentiable form for white-box attacks, the reference form
/// (ONNX Runtime for ONNX models) for accuracy and black-box attacks, and the policy's normalization
/// applied outside the graph, so attacks work in raw value space.
/// </summary>
public sealed class ModelUnderTest : IDisposable
{
    private readonly IClassifierModel _differentiable;
    private readonly IClassifierModel _reference;
    private readonly Tensor? _mean;
    private readonly Tensor? _std;

    private ModelUnderTest(IClassifierModel differentiable, IClassifierModel reference, Tensor? mean, Tensor? std, long[] inputShape, Device device)
    {
        (_differentiable, _reference, _mean, _std, InputShape, Device) = (differentiable, reference, mean, std, inputShape, device);
    }

    /// <summary>One sample's shape, without the batch dimension.</summary>
    public long[] InputShape { get; }

    public Device Device { get; }

    public static ModelUnderTest Load(string path, string format, ModelSpec spec, Device device, SourceLocation at)
    {
        IClassifierModel differentiable;
        IClassifierModel reference;
        long[]? declared = null;
        try
        {
            if (format == "onnx")
            {
                var graph = OnnxGraphModel.Load(path);
                declared = graph.InputShape.Length > 1 ? graph.InputShape[1..] : null;
                differentiable = graph;
                reference = new OnnxRuntimeModel(path, device.type == TorchSharp.DeviceType.CUDA);
            }
            else
            {
                differentiable = reference = TorchScriptModel.Load(path);
            }
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or System.Runtime.InteropServices.ExternalException)
        {
            throw new GateInputException(EngineRules.InputMissing, $"model {Path.GetFileName(path)} cannot be used: {e.Message}", at);
        }
        differentiable.To(device);
        var shape = spec.InputShape?.Select(d => (long)d).ToArray() ?? declared?.Where(d => d > 0).ToArray()
            ?? throw new GateInputException(EngineRules.SchemaViolation, "spec.model.inputShape is required for this model", at);
        var channelAxis = spec.InputLayout == "NHWC" ? shape.Length : 1;
        Tensor? mean = null, std = null;
        if (spec.Normalization is { } n)
        {
            var view = Enumerable.Repeat(1L, shape.Length + 1).ToArray();
            if (n.Mean.Count > 1) view[channelAxis] = n.Mean.Count;
            mean = tensor(n.Mean.Select(v => (float)v).ToArray(), view).to(device);
            std = tensor(n.Std.Select(v => (float)v).ToArray(), view).to(device);
        }
        return new ModelUnderTest(differentiable, reference, mean, std, shape, device);
    }

    private Tensor Normalize(Tensor x) => _mean is null ? x : (x - _mean) / _std!;

    public AttackTarget WhiteBoxTarget(double low, double high) => new(x => _differentiable.Logits(Normalize(x)), low, high);

    public AttackTarget BlackBoxTarget(double low, double high) => new(x => _reference.Logits(Normalize(x)).to(x.device), low, high);

    /// <summary>Top-1 predictions of the reference form, in batches.</summary>
    public Tensor Predict(Tensor inputs, int batchSize)
    {
        using var _ = no_grad();
        var parts = new List<Tensor>();
        for (long start = 0; start < inputs.shape[0]; start += batchSize)
        {
            var batch = inputs.narrow(0, start, Math.Min(batchSize, inputs.shape[0] - start)).to(Device);
            parts.Add(_reference.Logits(Normalize(batch)).argmax(1).cpu());
        }
        return cat(parts, 0);
    }

    public void Dispose()
    {
        _differentiable.Dispose();
        if (!ReferenceEquals(_reference, _differentiable)) _reference.Dispose();
    }
}
