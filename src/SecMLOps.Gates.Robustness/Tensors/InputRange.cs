using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Tensors;

/// <summary>The values a model's inputs may take; attacks never leave it, and their budgets are fractions of its size.</summary>
public sealed record InputRange(double Low, double High)
{
    /// <summary>The size of the range; attack budgets are fractions of it.</summary>
    public double Range => High - Low;

    public Tensor Clip(Tensor x) => x.clamp(Held(Low), Held(High));

    /// <summary>Keeps x inside the eps-ball (L-inf, raw units) around the clean point and inside the range.</summary>
    public Tensor Project(Tensor x, Tensor clean, double radius) => Clip(clean.Plus((x - clean).clamp(Held(-radius), Held(radius))));
}
