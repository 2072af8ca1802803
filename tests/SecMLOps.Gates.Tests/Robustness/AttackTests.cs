using SecMLOps.Gates.Robustness.Attacks;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>The attacks against models whose answers are known analytically or numerically.</summary>
[Collection(LibTorchCollection.Name)]
public sealed class AttackTests
{
    private static (Tensor W1, Tensor W2) SmallNetwork()
    {
        var generator = new TorchSharp.torch.Generator(42);
        return (randn([6, 8], generator: generator), randn([8, 3], generator: generator));
    }

    private static AttackTarget Network(Tensor w1, Tensor w2) => new(x => x.matmul(w1).tanh().matmul(w2), 0, 1, new TorchSharp.torch.Generator(7));

    [Fact]
    public void Fgsm_steps_eps_along_the_sign_of_a_finite_difference_gradient()
    {
        var (w1, w2) = SmallNetwork();
        var target = Network(w1, w2);
        var x = full([4, 6], 0.5f) + (rand([4, 6], generator: new TorchSharp.torch.Generator(1)) - 0.5f) * 0.2f;
        var y = tensor(new long[] { 0, 1, 2, 0 });
        const double eps = 0.03;

        var step = (new Fgsm(eps).Run(target, x, y) - x) / eps;

        const float h = 1e-3f;
        using var _ = no_grad();
        for (var i = 0; i < 4; i++)
            for (var j = 0; j < 6; j++)
            {
                var plus = x.clone(); plus[i, j] += h;
                var minus = x.clone(); minus[i, j] -= h;
                var difference = (AttackTarget.Loss(target.Logits(plus), y, AttackLoss.Margin)[i] - AttackTarget.Loss(target.Logits(minus), y, AttackLoss.Margin)[i]).item<float>() / (2 * h);
                if (Math.Abs(difference) < 1e-3) continue;
                Assert.Equal(Math.Sign(difference), (int)Math.Round(step[i, j].item<float>()));
            }
    }

    [Theory]
    [InlineData(PerturbationNorm.L2, 0.02)]
    [InlineData(PerturbationNorm.Linf, 0.02)]
    [InlineData(PerturbationNorm.L2, 0.0)]
    public void DeepFool_on_a_linear_classifier_finds_the_analytic_minimal_perturbation_times_one_plus_xi(PerturbationNorm norm, double xi)
    {
        // Two classes, logits (w.x + b, 0): the boundary is the hyperplane w.x + b = 0.
        var w = tensor(new float[] { 0.3f, -0.4f, 0.2f, 0.1f });
        var b = -0.05f;
        var target = new AttackTarget(x => stack([x.matmul(w) + b, zeros(x.shape[0])], 1), -10, 10, new TorchSharp.torch.Generator(0));
        var x = tensor(new float[] { 0.5f, -0.2f, 0.3f, 0.4f }).unsqueeze(0);
        var y = tensor(new long[] { 0 });
        var margin = (x.matmul(w) + b).item<float>();
        Assert.True(margin > 0);

        var delta = (new DeepFool(xi, 50, norm).Run(target, x, y) - x).squeeze(0);

        // Minimal L2 step: margin / |w|_2^2 * w; minimal L-inf step: margin / |w|_1 * sign(w). DeepFool adds 1e-4 to the margin.
        var expected = norm == PerturbationNorm.L2
            ? -(margin + 1e-4f) / w.pow(2).sum().item<float>() * w
            : -(margin + 1e-4f) / w.abs().sum().item<float>() * w.sign();
        Assert.True((delta - (float)(1 + xi) * expected).abs().max().item<float>() < 1e-5f, $"delta {string.Join(", ", delta.data<float>().ToArray())} expected {string.Join(", ", ((float)(1 + xi) * expected).data<float>().ToArray())}");
        Assert.NotEqual(0, target.Predict(x + delta.unsqueeze(0)).item<long>());
    }

    [Fact]
    public void Pgd_never_leaves_the_eps_ball_or_the_input_range()
    {
        var (w1, w2) = SmallNetwork();
        var target = Network(w1, w2);
        var generator = new TorchSharp.torch.Generator(3);
        // Half the values at the range's edges, where clipping matters.
        var x = rand([64, 6], generator: generator).round() * 0.98f + 0.01f * rand([64, 6], generator: generator);
        var y = randint(0, 3, [64], generator: generator);
        const double eps = 0.1;

        var adversarial = new Pgd(eps, steps: 20, stepFraction: 0.5).Run(target, x, y);

        Assert.True((adversarial - x).abs().max().item<float>() <= eps + 1e-6);
        Assert.True(adversarial.min().item<float>() >= 0);
        Assert.True(adversarial.max().item<float>() <= 1);
        Assert.True((adversarial - x).abs().max().item<float>() > eps / 2, "PGD moved the inputs");
    }

    [Fact]
    public void Square_attack_breaks_a_weak_model_without_gradients()
    {
        var (w1, w2) = SmallNetwork();
        var weights = randn([3 * 8 * 8, 3], generator: new TorchSharp.torch.Generator(5));
        var target = new AttackTarget(x => x.flatten(1).matmul(weights), 0, 1, new TorchSharp.torch.Generator(0));
        var x = rand([32, 3, 8, 8], generator: new TorchSharp.torch.Generator(6));
        var y = target.Predict(x);

        var adversarial = new SquareAttack(0.1, queries: 300).Run(target, x, y);

        Assert.True((adversarial - x).abs().max().item<float>() <= 0.1 + 1e-6);
        var robust = target.Predict(adversarial).eq(y).to_type(ScalarType.Float32).mean().item<float>();
        Assert.True(robust < 0.5, $"robust accuracy {robust}");
    }
}
