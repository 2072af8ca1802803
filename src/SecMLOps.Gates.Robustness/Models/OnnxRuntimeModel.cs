using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;
using OrtTensors = Microsoft.ML.OnnxRuntime.Tensors;

namespace SecMLOps.Gates.Robustness.Models;

/// <summary>
/// ONNX Runtime inference: the reference for clean accuracy and the engine of the black-box attack.
/// It gives no gradients. A model whose batch dimension is fixed at 1 is run sample by sample.
/// </summary>
public sealed class OnnxRuntimeModel : IClassifierModel
{
    private readonly InferenceSession _session;
    private readonly string _input;
    private readonly bool _fixedBatchOfOne;

    public OnnxRuntimeModel(string path, bool useCuda = false)
    {
        var options = new SessionOptions();
        if (useCuda)
            options.AppendExecutionProvider_CUDA();
        _session = new InferenceSession(path, options);
        _input = _session.InputMetadata.Keys.First();
        _fixedBatchOfOne = _session.InputMetadata[_input].Dimensions is [1, ..];
    }

    public bool Differentiable => false;

    public Tensor Logits(Tensor input)
    {
        var batch = input.detach().cpu().to_type(ScalarType.Float32).contiguous();
        if (_fixedBatchOfOne && batch.shape[0] != 1)
            return cat(Enumerable.Range(0, (int)batch.shape[0]).Select(i => Logits(batch[i].unsqueeze(0))).ToList(), 0);
        var shape = batch.shape.Select(d => (int)d).ToArray();
        var values = batch.data<float>().ToArray();
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(_input, new OrtTensors.DenseTensor<float>(values, shape))]);
        var output = results.First().AsTensor<float>();
        return tensor(output.ToArray(), output.Dimensions.ToArray().Select(d => (long)d).ToArray()).to(input.device);
    }

    public void To(Device device)
    {
        // ONNX Runtime keeps its own device; inputs are copied to the CPU and results back.
    }

    public void Dispose() => _session.Dispose();
}
