using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Models;

/// <summary>A classifier as the attacks see it: a batch in the model's own input space in, logits out.</summary>
public interface IClassifierModel : IDisposable
{
    /// <summary>Whether input gradients flow through <see cref="Logits"/> (false for ONNX Runtime).</summary>
    bool Differentiable { get; }

    Tensor Logits(Tensor input);

    /// <summary>Moves the model's weights to a device (CPU or CUDA).</summary>
    void To(Device device);
}
