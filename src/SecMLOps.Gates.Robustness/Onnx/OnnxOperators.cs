using SecMLOps.Gates.Robustness.Onnx.Proto;
using TorchSharp;
using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SecMLOps.Gates.Robustness.Onnx;

/// <summary>
/// The ONNX operators of common image classifiers, each as differentiable TorchSharp calls, with the
/// attribute semantics of opsets 7 to 17. An operator not listed is a clear error naming it.
/// </summary>
internal static class OnnxOperators
{
    /// <summary>Each operator with the attributes the executor reads; any other attribute is refused by name when the model loads.</summary>
    private static readonly Dictionary<string, (string[] Attributes, Func<OnnxNode, Tensor[]> Run)> Table = new(StringComparer.Ordinal)
    {
        ["Add"] = ([], n => [n.Input(0).Plus(n.Input(1))]),
        ["Sub"] = ([], n => [n.Input(0) - n.Input(1)]),
        ["Mul"] = ([], n => [n.Input(0) * n.Input(1)]),
        ["Div"] = ([], n => [Divide(n.Input(0), n.Input(1))]),
        ["Neg"] = ([], n => [-n.Input(0)]),
        ["Relu"] = ([], n => [F.relu(n.Input(0))]),
        ["LeakyRelu"] = (["alpha"], n => [n.Input(0).leaky_relu(Held(n.Float("alpha", 0.01f)))]),
        ["Sigmoid"] = ([], n => [n.Input(0).sigmoid()]),
        ["Tanh"] = ([], n => [n.Input(0).tanh()]),
        ["Exp"] = ([], n => [n.Input(0).exp()]),
        ["Softmax"] = (["axis"], n => [Softmax(n, log: false)]),
        ["LogSoftmax"] = (["axis"], n => [Softmax(n, log: true)]),
        ["Conv"] = (["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"], n => [Conv(n)]),
        ["Gemm"] = (["alpha", "beta", "transA", "transB"], n => [Gemm(n)]),
        ["MatMul"] = ([], n => [n.Input(0).matmul(n.Input(1))]),
        ["MaxPool"] = (["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "strides"], n => [MaxPool(n)]),
        ["AveragePool"] = (["auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"], n => [AveragePool(n)]),
        ["GlobalAveragePool"] = ([], n => [n.Input(0).mean(Enumerable.Range(2, (int)n.Input(0).dim() - 2).Select(d => (long)d).ToArray(), keepdim: true)]),
        ["GlobalMaxPool"] = ([], n => [GlobalMax(n.Input(0))]),
        ["BatchNormalization"] = (["epsilon", "momentum", "spatial"], n => [F.batch_norm(n.Input(0), n.Input(3), n.Input(4), n.Input(1), n.Input(2), false, 0.1, n.Float("epsilon", 1e-5f))]),
        ["Flatten"] = (["axis"], n => [Flatten(n)]),
        ["Reshape"] = (["allowzero", "shape"], n => [Reshape(n)]),
        ["Transpose"] = (["perm"], n => [Transpose(n)]),
        ["Concat"] = (["axis"], n => [cat(n.Inputs.OfType<Tensor>().ToList(), n.Int("axis", 1))]),
        ["Dropout"] = (["ratio", "seed"], n => n.OutputCount > 1 ? [n.Input(0), ones_like(n.Input(0), dtype: ScalarType.Bool)] : [n.Input(0)]),
        ["Identity"] = ([], n => [n.Input(0)]),
        ["Constant"] = (["value", "value_float", "value_int", "value_ints"], n => [Constant(n)]),
        ["Clip"] = (["max", "min"], n => [Clip(n)]),
        ["Pad"] = (["mode", "pads", "paddings", "value"], n => [Pad(n)]),
        ["Round"] = ([], n => [n.Input(0).round()]),
        ["Floor"] = ([], n => [n.Input(0).floor()]),
        ["Ceil"] = ([], n => [n.Input(0).ceil()]),
        ["Sign"] = ([], n => [n.Input(0).sign()]),
        ["Shape"] = ([], n => [tensor(n.Input(0).shape)]),
        ["Gather"] = (["axis"], n => [Gather(n)]),
        ["Unsqueeze"] = (["axes"], n => [Unsqueeze(n)]),
        ["Squeeze"] = (["axes"], n => [Squeeze(n)]),
        ["Cast"] = (["to"], n => [Cast(n)]),
        // Randomised defences: noise drawn from libtorch's generator, which the gate seeds per rule.
        ["RandomNormalLike"] = (["dtype", "mean", "scale", "seed"], n => [randn_like(n.Input(0)).mul(Held(n.Float("scale", 1f))).add(Held(n.Float("mean", 0f)))]),
        ["RandomUniformLike"] = (["dtype", "high", "low", "seed"], n => [rand_like(n.Input(0)).mul(Held(n.Float("high", 1f) - n.Float("low", 0f))).add(Held(n.Float("low", 0f)))]),
    };

    /// <summary>The opsets whose attribute semantics the executor implements.</summary>
    public const long MinimumOpset = 7, MaximumOpset = 17;

    /// <summary>Operators whose output carries no useful gradient back to the input (rounding, signs, integer casts).</summary>
    public static readonly IReadOnlySet<string> GradientBlocking = new HashSet<string>(StringComparer.Ordinal)
    {
        "Round", "Floor", "Ceil", "Sign", "ArgMax", "ArgMin", "TopK", "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear",
        "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Xor", "Mod", "BitShift", "IsNaN", "IsInf",
    };

    public static Tensor[] Run(OnnxNode node) =>
        Table.TryGetValue(node.OpType, out var op) ? op.Run(node)
        : throw new NotSupportedException($"ONNX operator '{node.OpType}' (node '{node.Name}') is not supported by the gate's ONNX executor; supported: {string.Join(", ", Table.Keys.Order())}");

    /// <summary>
    /// Why the executor would run this node differently from ONNX Runtime, or null: an operator it does
    /// not implement, an attribute it does not read, or an attribute value it does not implement.
    /// </summary>
    public static string? Unsupported(NodeProto node)
    {
        if (!Table.TryGetValue(node.OpType, out var op))
            return $"operator {node.OpType} (node '{NodeName(node)}')";
        if (node.Attribute.Select(a => a.Name).FirstOrDefault(a => !op.Attributes.Contains(a)) is { } attribute)
            return $"attribute '{attribute}' of {node.OpType} node '{NodeName(node)}'";
        return (node.OpType, node.Attribute.FirstOrDefault(a => a.Name is "mode" or "to")) switch
        {
            ("Pad", { } mode) when mode.S.ToStringUtf8() is not ("constant" or "reflect" or "edge") => $"Pad mode '{mode.S.ToStringUtf8()}' (node '{NodeName(node)}')",
            ("Cast", { } to) when to.I is not (1 or 6 or 7 or 9 or 11) => $"Cast to ONNX type {to.I} (node '{NodeName(node)}')",
            ("Dropout", _) when node.Input.Count > 2 && node.Input[2].Length > 0 => $"Dropout's training_mode input (node '{NodeName(node)}'): a dropout that may be active",
            _ => null,
        };
    }

    private static string NodeName(NodeProto node) => node.Name.Length > 0 ? node.Name : string.Join(",", node.Output);

    private static Tensor Divide(Tensor a, Tensor b) =>
        a.dtype == ScalarType.Int64 && b.dtype == ScalarType.Int64 ? a.div(b, RoundingMode.trunc) : a / b;

    private static Tensor Softmax(OnnxNode node, bool log)
    {
        var x = node.Input(0);
        var axis = Axis(node.Int("axis", node.Opset >= 13 ? -1 : 1), x.dim());
        if (node.Opset >= 13)
            return log ? x.log_softmax(axis) : x.softmax(axis);
        // Before opset 13 the input is coerced to 2-D at axis, then reshaped back.
        var shape = x.shape;
        var flat = x.reshape(shape[..(int)axis].Aggregate(1L, (a, b) => a * b), -1);
        return (log ? flat.log_softmax(1) : flat.softmax(1)).reshape(shape);
    }

    private static Tensor Conv(OnnxNode node)
    {
        var (x, w, bias) = (node.Input(0), node.Input(1), node.OptionalInput(2));
        var spatial = (int)x.dim() - 2;
        if (spatial != 2)
            throw new NotSupportedException($"Conv node '{node.Name}' has {spatial} spatial dimensions; the executor supports 2");
        var kernel = node.Ints("kernel_shape") ?? w.shape[2..];
        var strides = node.Ints("strides") ?? [1, 1];
        var dilations = node.Ints("dilations") ?? [1, 1];
        var pads = Pads(node, x, kernel, strides, dilations);
        var (symmetric, padded) = SymmetricPadding(x, pads, 0);
        return F.conv2d(padded, w, bias, strides, symmetric, dilations, node.Int("group", 1));
    }

    private static Tensor Gemm(OnnxNode node)
    {
        var a = node.Int("transA", 0) != 0 ? node.Input(0).t() : node.Input(0);
        var b = node.Int("transB", 0) != 0 ? node.Input(1).t() : node.Input(1);
        var y = Scaled(a.matmul(b), node.Float("alpha", 1f));
        return node.OptionalInput(2) is { } c ? y.Plus(Scaled(c, node.Float("beta", 1f))) : y;
    }

    /// <summary>Gemm's alpha and beta are 1 in nearly every model: skip the multiplication then.</summary>
    private static Tensor Scaled(Tensor t, float factor) => factor == 1f ? t : t.mul(Held(factor));

    private static Tensor MaxPool(OnnxNode node)
    {
        var x = node.Input(0);
        var kernel = node.Ints("kernel_shape")!;
        var strides = node.Ints("strides") ?? [1, 1];
        var dilations = node.Ints("dilations") ?? [1, 1];
        var pads = Pads(node, x, kernel, strides, dilations);
        var (symmetric, padded) = SymmetricPadding(x, pads, double.NegativeInfinity);
        return F.max_pool2d(padded, kernel, strides, symmetric, dilations, node.Int("ceil_mode", 0) != 0);
    }

    private static Tensor AveragePool(OnnxNode node)
    {
        var x = node.Input(0);
        var kernel = node.Ints("kernel_shape")!;
        var strides = node.Ints("strides") ?? [1, 1];
        var pads = Pads(node, x, kernel, strides, [1, 1]);
        if (pads[0] != pads[2] || pads[1] != pads[3])
            throw new NotSupportedException($"AveragePool node '{node.Name}' has asymmetric padding, which the executor does not support");
        return F.avg_pool2d(x, kernel, strides, [pads[0], pads[1]], node.Int("ceil_mode", 0) != 0, node.Int("count_include_pad", 0) != 0);
    }

    private static Tensor GlobalMax(Tensor x)
    {
        var y = x;
        for (var d = (int)x.dim() - 1; d >= 2; d--) y = y.amax([d], keepdim: true);
        return y;
    }

    /// <summary>ONNX pads [begin..., end...], with auto_pad resolved against the input size.</summary>
    private static long[] Pads(OnnxNode node, Tensor x, long[] kernel, long[] strides, long[] dilations)
    {
        var autoPad = node.String("auto_pad", "NOTSET");
        if (autoPad is "NOTSET")
            return node.Ints("pads") ?? new long[kernel.Length * 2];
        if (autoPad is "VALID")
            return new long[kernel.Length * 2];
        var pads = new long[kernel.Length * 2];
        for (var i = 0; i < kernel.Length; i++)
        {
            var size = x.shape[2 + i];
            var output = (size + strides[i] - 1) / strides[i];
            var total = Math.Max(0, (output - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - size);
            var small = total / 2;
            (pads[i], pads[i + kernel.Length]) = autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small);
        }
        return pads;
    }

    /// <summary>Torch pools and convolutions pad symmetrically; the asymmetric remainder is padded explicitly.</summary>
    private static (long[] Symmetric, Tensor Input) SymmetricPadding(Tensor x, long[] pads, double value)
    {
        var (top, left, bottom, right) = (pads[0], pads[1], pads[2], pads[3]);
        if (top == bottom && left == right)
            return ([top, left], x);
        return ([0, 0], F.pad(x, [left, right, top, bottom], PaddingModes.Constant, value));
    }

    private static Tensor Flatten(OnnxNode node)
    {
        var x = node.Input(0);
        var axis = Axis(node.Int("axis", 1), x.dim());
        var outer = x.shape[..(int)axis].Aggregate(1L, (a, b) => a * b);
        return x.reshape(outer, -1);
    }

    private static Tensor Reshape(OnnxNode node)
    {
        var x = node.Input(0);
        var target = node.Opset >= 5 ? node.Input(1).data<long>().ToArray() : node.Ints("shape")!;
        var allowZero = node.Int("allowzero", 0) != 0;
        for (var i = 0; i < target.Length; i++)
            if (target[i] == 0 && !allowZero) target[i] = x.shape[i];
        return x.reshape(target);
    }

    private static Tensor Transpose(OnnxNode node)
    {
        var x = node.Input(0);
        var perm = node.Ints("perm") ?? Enumerable.Range(0, (int)x.dim()).Reverse().Select(i => (long)i).ToArray();
        return x.permute(perm);
    }

    private static Tensor Constant(OnnxNode node)
    {
        if (node.TensorAttribute("value") is { } value) return OnnxTensors.ToTorch(value);
        if (node.Has("value_float")) return tensor(node.Float("value_float", 0));
        if (node.Has("value_floats")) throw new NotSupportedException("Constant value_floats is not supported");
        if (node.Has("value_int")) return tensor(node.Int("value_int", 0));
        if (node.Ints("value_ints") is { } ints) return tensor(ints);
        throw new NotSupportedException($"Constant node '{node.Name}' has no supported value attribute");
    }

    private static Tensor Clip(OnnxNode node)
    {
        var x = node.Input(0);
        if (node.Opset < 11)
            return x.clamp(Held(node.Float("min", float.MinValue)), Held(node.Float("max", float.MaxValue)));
        var (min, max) = (node.OptionalInput(1), node.OptionalInput(2));
        return (min, max) switch
        {
            (null, null) => x,
            (_, null) => x.clamp_min(Held(min!.item<float>())),
            (null, _) => x.clamp_max(Held(max!.item<float>())),
            _ => x.clamp(Held(min!.item<float>()), Held(max!.item<float>())),
        };
    }

    private static Tensor Pad(OnnxNode node)
    {
        var x = node.Input(0);
        var pads = node.Opset >= 11 ? node.Input(1).data<long>().ToArray() : node.Ints("pads") ?? node.Ints("paddings")!;
        var value = node.Opset >= 11 ? node.OptionalInput(2)?.item<float>() ?? 0f : node.Float("value", 0f);
        var mode = node.String("mode", "constant") switch
        {
            "reflect" => PaddingModes.Reflect,
            "edge" => PaddingModes.Replicate,
            "constant" => PaddingModes.Constant,
            var other => throw new NotSupportedException($"Pad mode '{other}' is not supported"),
        };
        // ONNX: [x1_begin, x2_begin, ..., x1_end, x2_end]; torch: last dimension first, (begin, end) pairs.
        var rank = pads.Length / 2;
        var torchPads = new List<long>();
        for (var d = rank - 1; d >= 0; d--) torchPads.AddRange([pads[d], pads[d + rank]]);
        while (torchPads.Count > 4 && torchPads[^1] == 0 && torchPads[^2] == 0) torchPads.RemoveRange(torchPads.Count - 2, 2);
        return F.pad(x, torchPads.ToArray(), mode, value);
    }

    private static Tensor Gather(OnnxNode node)
    {
        var (x, indices) = (node.Input(0), node.Input(1));
        var axis = Axis(node.Int("axis", 0), x.dim());
        var wrapped = indices.lt(HeldInteger(0)).to_type(ScalarType.Int64).mul(HeldInteger(x.shape[axis])).Plus(indices);
        var flat = x.index_select(axis, wrapped.flatten());
        var shape = x.shape[..(int)axis].Concat(indices.shape).Concat(x.shape[((int)axis + 1)..]).ToArray();
        return flat.reshape(shape);
    }

    private static Tensor Unsqueeze(OnnxNode node)
    {
        var x = node.Input(0);
        var axes = node.Opset >= 13 ? node.Input(1).data<long>().ToArray() : node.Ints("axes")!;
        var rank = x.dim() + axes.Length;
        foreach (var axis in axes.Select(a => Axis(a, rank)).Order()) x = x.unsqueeze(axis);
        return x;
    }

    private static Tensor Squeeze(OnnxNode node)
    {
        var x = node.Input(0);
        var axes = node.Opset >= 13 ? node.OptionalInput(1)?.data<long>().ToArray() : node.Ints("axes");
        if (axes is null) return x.squeeze();
        foreach (var axis in axes.Select(a => Axis(a, x.dim())).OrderDescending()) x = x.squeeze(axis);
        return x;
    }

    private static Tensor Cast(OnnxNode node) => node.Int("to", 1) switch
    {
        1 or 11 => node.Input(0).to_type(ScalarType.Float32),
        6 or 7 => node.Input(0).to_type(ScalarType.Int64),
        9 => node.Input(0).to_type(ScalarType.Bool),
        var other => throw new NotSupportedException($"Cast to ONNX type {other} is not supported"),
    };

    private static long Axis(long axis, long rank) => axis < 0 ? axis + rank : axis;
}
