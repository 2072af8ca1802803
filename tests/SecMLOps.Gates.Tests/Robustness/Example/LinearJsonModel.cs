using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Robustness;
using SecMLOps.Gates.Robustness.Models;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Tests.Robustness.Example;

/// <summary>
/// A model format only the tests add: a linear classifier written as JSON (<c>inputShape</c>, <c>weights</c>
/// as classes x features, <c>bias</c>), whose logits are W x + b. Adding it takes this file, whose
/// <see cref="Format"/> is the one entry a model format catalogue given to the gates needs.
/// </summary>
internal sealed class LinearJsonModel : IClassifierModel
{
    public static readonly ModelFormat Format = new("linear-json", "a linear classifier as JSON: inputShape, weights (classes x features) and bias", [".linjson"],
        (path, _) =>
        {
            var model = new LinearJsonModel(JObject.Parse(File.ReadAllText(path)));
            return new LoadedModel(model, model, [], model._inputShape);
        },
        ReadInputShape: path => [1, .. InputShape(JObject.Parse(File.ReadAllText(path)))]);

    private readonly long[] _inputShape;
    private Tensor _weights;
    private Tensor _bias;

    private LinearJsonModel(JObject file)
    {
        _inputShape = InputShape(file);
        var rows = file["weights"]!.Select(row => row.Values<float>().ToArray()).ToArray();
        _weights = tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]).DetachFromDisposeScope();
        _bias = tensor(file["bias"]!.Values<float>().ToArray()).DetachFromDisposeScope();
    }

    private static long[] InputShape(JObject file) => file["inputShape"]!.Values<long>().ToArray();

    public bool Differentiable => true;

    public Tensor Logits(Tensor input) => input.flatten(1).matmul(_weights.t()).add(_bias);

    public void To(Device device)
    {
        if (_weights.device_type == device.type)
            return;
        var (weights, bias) = (_weights.to(device).DetachFromDisposeScope(), _bias.to(device).DetachFromDisposeScope());
        Dispose();
        (_weights, _bias) = (weights, bias);
    }

    public void Dispose()
    {
        _weights.Dispose();
        _bias.Dispose();
    }
}
