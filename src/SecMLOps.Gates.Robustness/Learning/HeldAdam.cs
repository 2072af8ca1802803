using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Learning;

/// <summary>
/// Adam (Kingma and Ba 2015; betas 0.9 and 0.999, epsilon 1e-8, bias-corrected) written with held
/// Scalars. TorchSharp's own Adam passes Scalars it makes from bare numbers to addcmul_ and add_,
/// which the finalizer can free while libtorch still reads them (see <see cref="HeldScalars"/>):
/// under GC pressure the label check crashed in Scalar::toFloat. The per-step corrections travel as
/// 0-d tensors, so no Scalar is made per step.
/// </summary>
internal sealed class HeldAdam : IDisposable
{
    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;
    private readonly Tensor[] _parameters;
    private readonly Tensor[] _first;
    private readonly Tensor[] _second;
    private readonly double _learningRate;
    private int _steps;

    public HeldAdam(IEnumerable<Tensor> parameters, double learningRate)
    {
        _parameters = parameters.ToArray();
        _learningRate = learningRate;
        using (no_grad())
        {
            _first = _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
            _second = _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        }
    }

    /// <summary>One update that lowers <paramref name="loss"/>.</summary>
    public void Step(Tensor loss)
    {
        _steps++;
        using var scope = NewDisposeScope();
        var gradients = autograd.grad([loss], _parameters);
        using var _ = no_grad();
        var stepSize = tensor((float)(_learningRate / (1 - Math.Pow(Beta1, _steps))));
        var secondCorrection = tensor((float)Math.Sqrt(1 - Math.Pow(Beta2, _steps)));
        for (var i = 0; i < _parameters.Length; i++)
        {
            var gradient = gradients[i];
            _first[i].mul_(Held(Beta1)).add_(gradient, Held(1 - Beta1));
            _second[i].mul_(Held(Beta2)).addcmul_(gradient, gradient, Held(1 - Beta2));
            var denominator = _second[i].sqrt().div(secondCorrection).add(Held(Epsilon), Held(1.0));
            _parameters[i].add_(_first[i].div(denominator).mul(stepSize), Held(-1.0));
        }
    }

    public void Dispose()
    {
        foreach (var moment in _first.Concat(_second)) moment.Dispose();
    }
}
