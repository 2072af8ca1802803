using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;
using SecMLOps.Gates.Robustness.Attacks;
using SecMLOps.Gates.Robustness.Models;
using SecMLOps.Gates.Robustness.Models.TorchScript;
using SecMLOps.Gates.Robustness.Onnx;
using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness;

/// <summary>
/// A model as the gate runs it: the differentiable form for the attacks, the reference form (ONNX
/// Runtime for ONNX models) for accuracy and for deciding whether a sample is broken, and the
/// policy's normalization applied outside the graph, so attacks work in raw value space. When the
/// model outputs probabilities, attacks see their logarithm.
/// </summary>
public sealed class ModelUnderTest : IDisposable
{
    private readonly IClassifierModel _differentiable;
    private readonly IClassifierModel _reference;
    private readonly Tensor? _mean;
    private readonly Tensor? _std;
    private bool _logOfOutputs;

    private ModelUnderTest(IClassifierModel differentiable, IClassifierModel reference, Tensor? mean, Tensor? std, long[] inputShape, Device device, IReadOnlyList<string> blocking)
    {
        (_differentiable, _reference, _mean, _std, InputShape, Device, GradientBlocking) = (differentiable, reference, mean, std, inputShape, device, blocking);
    }

    /// <summary>One sample's shape, without the batch dimension.</summary>
    public long[] InputShape { get; }

    public Device Device { get; }

    /// <summary>Whether the white-box form is the gate's own ONNX executor (whose agreement with ONNX Runtime is checked).</summary>
    public bool HasSeparateReference => !ReferenceEquals(_reference, _differentiable);

    /// <summary>Operators or calls on the input path that block useful gradients.</summary>
    public IReadOnlyList<string> GradientBlocking { get; }

    public static ModelUnderTest Load(ModelFormatCatalogue formats, string path, string format, ModelSpec spec, Device device, SourceLocation at)
    {
        var loader = formats.Find(format) ?? throw new GateInputException(EngineRules.SchemaViolation,
            $"model format '{format}' is not one the gate loads ({string.Join(", ", formats.All.Select(f => f.Name))})", at);
        LoadedModel loaded;
        try
        {
            loaded = loader.Load(path, device.type == TorchSharp.DeviceType.CUDA);
        }
        catch (ModelContentRefusedException e)
        {
            throw new GateInputException(EngineRules.ModelContentRefused, $"model {Path.GetFileName(path)} was not loaded: {e.Message}", at);
        }
        catch (NotSupportedException e)
        {
            throw new GateInputException(EngineRules.UnsupportedModelFeature, $"model {Path.GetFileName(path)}: {e.Message}", at);
        }
        catch (Exception e) when (e is InvalidDataException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or System.Runtime.InteropServices.ExternalException or ArgumentException)
        {
            throw new GateInputException(EngineRules.InputMalformed, $"model {Path.GetFileName(path)} cannot be used: {e.Message}", at);
        }
        loaded.Differentiable.To(device);
        var shape = spec.InputShape?.Select(d => (long)d).ToArray() ?? loaded.DeclaredSample?.Where(d => d > 0).ToArray()
            ?? throw new GateInputException(EngineRules.SchemaViolation, "spec.model.inputShape is required for this model", at);
        var channelAxis = spec.ChannelsLast ? shape.Length : 1;
        Tensor? mean = null, std = null;
        if (spec.Normalization is { } n)
        {
            var view = Enumerable.Repeat(1L, shape.Length + 1).ToArray();
            if (n.Mean.Count > 1) view[channelAxis] = n.Mean.Count;
            // The model owns these (they are freed with it), whatever scope it was loaded in.
            mean = tensor(n.Mean.Select(v => (float)v).ToArray(), view, device: device).DetachFromDisposeScope();
            std = tensor(n.Std.Select(v => (float)v).ToArray(), view, device: device).DetachFromDisposeScope();
        }
        return new ModelUnderTest(loaded.Differentiable, loaded.Reference, mean, std, shape, device, loaded.GradientBlocking);
    }

    /// <summary>From now on attacks see the logarithm of the outputs (for a model whose outputs are probabilities).</summary>
    public void AttackLogOfOutputs() => _logOfOutputs = true;

    private Tensor Normalize(Tensor x) => _mean is null ? x : (x - _mean) / _std!;

    private Tensor ForAttack(Tensor outputs) => _logOfOutputs ? outputs.clamp_min(Held(1e-30)).log() : outputs;

    public AttackTarget WhiteBoxTarget(double low, double high, Generator generator, int gradientSamples) =>
        new(x => ForAttack(_differentiable.Logits(Normalize(x))), low, high, generator, gradientSamples);

    /// <summary>The differentiable form's raw outputs of inputs in raw value space, for attacks on models that are not classifiers (detectors).</summary>
    public Tensor Forward(Tensor x) => _differentiable.Logits(Normalize(x));

    /// <summary>
    /// Scores for the black-box attacks. On the CPU they query the reference runtime, the model as it is
    /// deployed (ONNX Runtime was 15x faster than the gate's executor per query on the sample model);
    /// on a GPU the differentiable form, which runs there.
    /// </summary>
    public AttackTarget BlackBoxTarget(double low, double high, Generator generator) =>
        new(x =>
        {
            using var _ = no_grad();
            var scorer = Device.type == TorchSharp.DeviceType.CPU ? _reference : _differentiable;
            return ForAttack(scorer.Logits(Normalize(x)).to(x.device));
        }, low, high, generator);

    /// <summary>The reference runtime's outputs for one batch (on the CPU).</summary>
    public Tensor ReferenceOutputs(Tensor batch)
    {
        using var _ = no_grad();
        return _reference.Logits(Normalize(batch.to(Device))).cpu();
    }

    /// <summary>The differentiable form's outputs for one batch (on the CPU).</summary>
    public Tensor DifferentiableOutputs(Tensor batch)
    {
        using var _ = no_grad();
        return _differentiable.Logits(Normalize(batch.to(Device))).cpu();
    }

    /// <summary>Top-1 predictions of the reference form, in batches (each batch's temporaries freed when it is done).</summary>
    public Tensor Predict(Tensor inputs, int batchSize)
    {
        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        for (long start = 0; start < inputs.shape[0]; start += batchSize)
        {
            using var batch = NewDisposeScope();
            parts.Add(ReferenceOutputs(inputs.narrow(0, start, Math.Min(batchSize, inputs.shape[0] - start))).argmax(1).MoveToOuterDisposeScope());
        }
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _differentiable.Dispose();
        if (HasSeparateReference) _reference.Dispose();
        _mean?.Dispose();
        _std?.Dispose();
    }
}
