using SecMLOps.Gates.Robustness.Onnx.Proto;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Onnx;

/// <summary>One node while it runs: its attributes and its resolved inputs (null where an optional input is empty).</summary>
internal sealed class OnnxNode(NodeProto proto, IReadOnlyList<Tensor?> inputs, long opset)
{
    public string OpType => proto.OpType;
    public long Opset => opset;
    public IReadOnlyList<Tensor?> Inputs => inputs;
    public int OutputCount => proto.Output.Count;
    public string Name => proto.Name.Length > 0 ? proto.Name : string.Join(",", proto.Output);

    public Tensor Input(int index) =>
        index < inputs.Count && inputs[index] is { } t ? t : throw new InvalidDataException($"{OpType} node '{Name}' lacks input {index}");

    public Tensor? OptionalInput(int index) => index < inputs.Count ? inputs[index] : null;

    private AttributeProto? Attribute(string name) => proto.Attribute.FirstOrDefault(a => a.Name == name);

    public long Int(string name, long fallback) => Attribute(name) is { } a ? a.I : fallback;
    public float Float(string name, float fallback) => Attribute(name) is { } a ? a.F : fallback;
    public string String(string name, string fallback) => Attribute(name) is { } a ? a.S.ToStringUtf8() : fallback;
    public long[]? Ints(string name) => Attribute(name) is { } a ? a.Ints.ToArray() : null;
    public TensorProto? TensorAttribute(string name) => Attribute(name)?.T;
    public bool Has(string name) => Attribute(name) is not null;
}
