using System.Collections.Concurrent;
using TorchSharp;

namespace SecMLOps.Gates.Robustness.Tensors;

/// <summary>
/// libtorch Scalars for the numbers tensor arithmetic uses, created once and held for the process.
/// TorchSharp 0.107 leaves the Scalar it makes from a bare number (<c>x * 0.5</c>) to the finalizer,
/// which can free it while libtorch is still reading it: under GC pressure a gate run then crashed in
/// Scalar::toFloat. Any bare number where TorchSharp takes a Scalar is affected (full, index_fill_),
/// and so are calls that make one inside TorchSharp: Tensor + passes an implicit alpha of 1 (gate code
/// writes it as <see cref="Plus"/>), square() is pow(2). The numbers held are few (budgets, ranges,
/// constants): holding them costs nothing.
/// </summary>
internal static class HeldScalars
{
    private static readonly ConcurrentDictionary<double, Scalar> Reals = new();
    private static readonly ConcurrentDictionary<long, Scalar> Integers = new();

    public static Scalar Held(double value) => Reals.GetOrAdd(value, v => v.ToScalar());

    /// <summary>For integer tensors, which a floating-point Scalar would promote to float.</summary>
    public static Scalar HeldInteger(long value) => Integers.GetOrAdd(value, v => v.ToScalar());

    /// <summary><paramref name="a"/> + <paramref name="b"/> with a held alpha (an integer one, which integer tensors require).</summary>
    public static torch.Tensor Plus(this torch.Tensor a, torch.Tensor b) => a.add(b, HeldInteger(1));
}
