using SecMLOps.Gates.Robustness.Attacks;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>
/// The input gradients every white-box attack follows, for convolutions, against the same function written
/// as im2col (unfold and matmul), whose backward runs other kernels. libtorch's oneDNN backend once got
/// these wrong on AVX-512 CPUs while its forward pass stayed right (see NativeRuntimeSetup).
/// </summary>
[Collection(LibTorchCollection.Name)]
public sealed class ConvolutionGradientTests
{
    [Theory]
    [InlineData(1, 1, 5, 2)]
    [InlineData(64, 1, 5, 2)]
    [InlineData(64, 1, 3, 1)]
    [InlineData(64, 3, 5, 0)]
    [InlineData(1, 8, 5, 2)]
    public void Convolution_input_gradients_equal_an_im2col_reference(int batch, int channels, int kernel, int padding)
    {
        var generator = new TorchSharp.torch.Generator(7);
        var weight = randn([8, channels, kernel, kernel], generator: generator);
        var readout = randn([8 * (28 + 2 * padding - kernel + 1) * (28 + 2 * padding - kernel + 1), 10], generator: generator) * 0.01f;
        var x = rand([batch, channels, 28, 28], generator: generator);
        var y = randint(0, 10, [batch], generator: generator);

        var convolution = new AttackTarget(v => nn.functional.conv2d(v, weight, padding: [padding, padding]).relu().flatten(1).matmul(readout), 0, 1, generator);
        var im2col = new AttackTarget(v =>
        {
            var size = 28 + 2 * padding - kernel + 1;
            var columns = nn.functional.unfold(v, kernel, padding: padding);
            return weight.reshape(8, -1).matmul(columns).reshape(v.shape[0], 8, size, size).relu().flatten(1).matmul(readout);
        }, 0, 1, generator);

        var gradient = convolution.InputGradient(x, y, AttackLoss.Margin);
        var reference = im2col.InputGradient(x, y, AttackLoss.Margin);

        var error = (gradient - reference).abs().max().item<float>();
        var scale = reference.abs().max().item<float>();
        Assert.True(error <= 1e-4f * scale, $"max |conv2d gradient - im2col gradient| = {error} for gradients up to {scale}");
    }
}
