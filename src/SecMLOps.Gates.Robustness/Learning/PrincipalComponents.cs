using SecMLOps.Gates.Robustness.Tensors;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Learning;

/// <summary>
/// The leading principal components of the golden rows, whitened (each component divided by its
/// standard deviation), from the eigenvectors of their covariance computed in double precision.
/// With no more features than components, every feature is kept (still centred and whitened).
/// </summary>
internal sealed class PrincipalComponents : IDisposable
{
    private readonly Tensor _mean;
    private readonly Tensor _basis;

    private PrincipalComponents(Tensor mean, Tensor basis, int dimension)
    {
        (_mean, _basis, Dimension) = (mean, basis, dimension);
    }

    public int Dimension { get; }

    public int Components => (int)_basis.shape[1];

    public static PrincipalComponents Fit(Tensor rows, int components)
    {
        using var scope = NewDisposeScope();
        var (count, dimension) = ((int)rows.shape[0], (int)rows.shape[1]);
        var mean = rows.mean([0]);
        var centred = (rows - mean).to_type(ScalarType.Float64);
        var covariance = centred.t().matmul(centred).div(HeldScalars.Held(Math.Max(count - 1, 1)));
        var (values, vectors) = linalg.eigh(covariance);
        var keep = Math.Min(components, dimension);
        // eigh orders eigenvalues ascending: the last columns are the leading components.
        var leading = vectors.narrow(1, dimension - keep, keep).flip(1);
        var spread = values.narrow(0, dimension - keep, keep).flip(0).clamp_min(HeldScalars.Held(1e-8)).sqrt();
        var basis = leading.div(spread).to_type(ScalarType.Float32);
        // Owned by the result (freed with it), whatever scope it was fitted in.
        return new PrincipalComponents(mean.DetachFromDisposeScope(), basis.DetachFromDisposeScope(), dimension);
    }

    public Tensor Project(Tensor rows) => (rows - _mean).matmul(_basis);

    public void Dispose()
    {
        _mean.Dispose();
        _basis.Dispose();
    }
}
