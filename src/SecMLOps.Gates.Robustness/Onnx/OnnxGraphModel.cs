using SecMLOps.Gates.Robustness.Models;
using SecMLOps.Gates.Robustness.Onnx.Proto;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Onnx;

/// <summary>
/// Runs an ONNX graph on TorchSharp tensors, node by node, so that input gradients flow (ONNX
/// Runtime computes none). Unsupported operators are refused when the model loads; what no executor may read is refused before (<see cref="OnnxModelFile"/>).
/// </summary>
public sealed class OnnxGraphModel : IClassifierModel
{
    private readonly GraphProto _graph;
    private readonly long _opset;
    private readonly Dictionary<string, Tensor> _initializers;
    private readonly string _input;
    private readonly string _output;
    private readonly HashSet<NodeProto> _readInput;
    private bool? _runsWhole;

    private OnnxGraphModel(ModelProto model)
    {
        _graph = model.Graph ?? throw new InvalidDataException("the ONNX model has no graph");
        _opset = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
        if (_opset is < OnnxOperators.MinimumOpset or > OnnxOperators.MaximumOpset)
            throw new NotSupportedException($"the ONNX model uses opset {_opset}; the gate's executor implements opsets {OnnxOperators.MinimumOpset} to {OnnxOperators.MaximumOpset}");
        var unsupported = _graph.Node.Select(OnnxOperators.Unsupported).OfType<string>().Distinct().ToList();
        if (unsupported.Count > 0)
            throw new NotSupportedException($"the ONNX model uses what the gate's executor does not implement (it would run it differently from ONNX Runtime): {string.Join("; ", unsupported.Take(10))}");
        // The model owns its weights (they are freed with it), whatever scope it was loaded in.
        _initializers = _graph.Initializer.ToDictionary(t => t.Name, t => OnnxTensors.ToTorch(t).DetachFromDisposeScope());
        var input = DataInput(_graph);
        _input = input.Name;
        _output = _graph.Output[0].Name;
        _readInput = NodesReadingInput(_graph, _input);
        InputShape = Shape(input);
        Opset = _opset;
    }

    public long Opset { get; }

    /// <summary>
    /// Nodes on the path from the input whose output carries no useful gradient (rounding, signs,
    /// comparisons, integer casts): white-box attacks see a flat or misleading loss through them.
    /// </summary>
    public IReadOnlyList<string> GradientBlockingNodes()
    {
        var blocking = new List<string>();
        foreach (var node in _graph.Node.Where(_readInput.Contains))
        {
            var integerCast = node.OpType == "Cast" && node.Attribute.FirstOrDefault(a => a.Name == "to")?.I is not (null or 1 or 10 or 11 or 16);
            if (OnnxOperators.GradientBlocking.Contains(node.OpType) || integerCast)
                blocking.Add($"{node.OpType} (node '{(node.Name.Length > 0 ? node.Name : string.Join(",", node.Output))}')");
        }
        return blocking;
    }

    /// <summary>The declared input shape, batch included; -1 where a dimension is symbolic.</summary>
    public long[] InputShape { get; }

    public bool Differentiable => true;

    /// <summary>For a graph declaring a batch of one: whether batches run whole (null until the first batch).</summary>
    internal bool? RunsBatchesWhole => _runsWhole;

    public static OnnxGraphModel Load(OnnxModelFile file) => new(file.Model);

    /// <summary>The declared input shape of the model at <paramref name="path"/>, batch included, without loading its weights.</summary>
    public static long[] ReadInputShape(string path) =>
        OnnxModelFile.Read(path).Model.Graph is { } graph ? Shape(DataInput(graph)) : throw new InvalidDataException("the ONNX model has no graph");

    /// <summary>The declared shape of the model's first output, batch included; -1 where a dimension is symbolic.</summary>
    public static long[] ReadOutputShape(string path) =>
        OnnxModelFile.Read(path).Model.Graph is { Output.Count: > 0 } graph ? Shape(graph.Output[0]) : throw new InvalidDataException("the ONNX model has no graph output");

    private static ValueInfoProto DataInput(GraphProto graph)
    {
        var weights = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !weights.Contains(i.Name)).ToList();
        if (inputs.Count != 1 || graph.Output.Count < 1)
            throw new NotSupportedException($"the ONNX model must have one data input and an output; it has {inputs.Count} inputs and {graph.Output.Count} outputs");
        return inputs[0];
    }

    /// <summary>The nodes that read the data input, directly or through earlier nodes.</summary>
    private static HashSet<NodeProto> NodesReadingInput(GraphProto graph, string input)
    {
        var reached = new HashSet<string>(StringComparer.Ordinal) { input };
        var nodes = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        foreach (var node in graph.Node.Where(n => n.Input.Any(reached.Contains)))
        {
            nodes.Add(node);
            foreach (var output in node.Output) reached.Add(output);
        }
        return nodes;
    }

    private static long[] Shape(ValueInfoProto input) => input.Type?.TensorType?.Shape?.Dim.Select(d => d.HasDimValue ? d.DimValue : -1).ToArray() ?? [];

    public Tensor Logits(Tensor input)
    {
        if (InputShape is not [1, ..] || input.shape[0] <= 1)
            return Run(input, null);
        // Graphs exported with a fixed batch of one often bake that batch into their Reshape targets, and
        // one by one a batch costs several times what it costs whole (8 times for mnist-8). Such a graph
        // runs batches whole, the batch size in place of the leading 1 of the targets of Reshapes that
        // read the input, only when its first batch so run gives every sample the logits it gets alone.
        _runsWhole ??= RunsWhole(input);
        return _runsWhole.Value ? Run(input, input.shape[0]) : OneByOne(input);
    }

    private Tensor OneByOne(Tensor input) => cat(Enumerable.Range(0, (int)input.shape[0]).Select(i => Run(input.narrow(0, i, 1), null)).ToList(), 0);

    private bool RunsWhole(Tensor input)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var samples = input.detach();
        var alone = OneByOne(samples);
        Tensor whole;
        try
        {
            whole = Run(samples, samples.shape[0]);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A shape the batch does not fit (a baked batch of one the targets do not show): one by one, as before.
            return false;
        }
        var scale = Math.Max(alone.abs().max().item<float>(), 1e-6f);
        return whole.shape.SequenceEqual(alone.shape) && whole.allclose(alone, rtol: 0, atol: 1e-4 * scale);
    }

    /// <param name="batch">When set, the batch size that replaces a leading 1 in the target of a Reshape reading the input.</param>
    private Tensor Run(Tensor input, long? batch)
    {
        using var scope = NewDisposeScope();
        var values = new Dictionary<string, Tensor>(_initializers) { [_input] = input };
        foreach (var node in _graph.Node)
        {
            var inputs = node.Input.Select(name => name.Length == 0 ? null
                : values.TryGetValue(name, out var t) ? t
                : throw new InvalidDataException($"node '{node.Name}' ({node.OpType}) reads '{name}', which no earlier node produced")).ToList();
            if (batch is { } size && node.OpType == "Reshape" && inputs is [_, { } target] && _readInput.Contains(node) && target.dim() == 1 && target.shape[0] > 0 && target[0].item<long>() == 1)
                inputs[1] = cat([tensor(new[] { size }, device: target.device), target.narrow(0, 1, target.shape[0] - 1)]);
            var outputs = OnnxOperators.Run(new OnnxNode(node, inputs, _opset));
            for (var i = 0; i < Math.Min(outputs.Length, node.Output.Count); i++)
                if (node.Output[i].Length > 0) values[node.Output[i]] = outputs[i];
        }
        return values[_output].MoveToOuterDisposeScope();
    }

    public void To(Device device)
    {
        foreach (var name in _initializers.Keys.ToList())
            _initializers[name] = _initializers[name].to(device).DetachFromDisposeScope();
    }

    public void Dispose()
    {
        foreach (var tensor in _initializers.Values) tensor.Dispose();
    }
}
