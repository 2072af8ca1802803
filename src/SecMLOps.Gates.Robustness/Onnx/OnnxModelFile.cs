using Google.Protobuf;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Robustness.Models;
using SecMLOps.Gates.Robustness.Onnx.Proto;

namespace SecMLOps.Gates.Robustness.Onnx;

/// <summary>
/// An ONNX model read once, checked, and handed to both executors as the same bytes, so that what ONNX
/// Runtime opens is what the gate examined. Refused before any runtime sees it: data kept in other
/// files (a runtime would read them: another model, a secret), model-local functions and nodes of
/// non-standard domains at any depth, and fields of the format this version does not know.
/// </summary>
public sealed class OnnxModelFile
{
    private OnnxModelFile(string name, byte[] bytes, ModelProto model) => (Name, Bytes, Model) = (name, bytes, model);

    public string Name { get; }

    public byte[] Bytes { get; }

    public ModelProto Model { get; }

    public static OnnxModelFile Read(string path)
    {
        var name = Path.GetFileName(path);
        var bytes = InputFiles.ReadAllBytes(path, InputLimits.ModelBytes);
        ModelProto model, known;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
            known = ModelProto.Parser.WithDiscardUnknownFields(true).ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{name} is not a valid ONNX model: {e.Message}");
        }
        Scan(model);
        // Unknown fields are kept by one parser and dropped by the other: any difference is something the gate would not have read.
        if (model.CalculateSize() != known.CalculateSize())
            throw new ModelContentRefusedException(name, $"holds {model.CalculateSize() - known.CalculateSize()} bytes of ONNX fields this version of the gate does not read (newer IR features, training information); a runtime would act on them unexamined");
        return new OnnxModelFile(name, bytes, model);
    }

    private static void Scan(ModelProto model)
    {
        if (model.Functions.Count > 0)
            throw new ModelContentRefusedException("functions", $"the model defines local functions ({string.Join(", ", model.Functions.Select(f => $"{f.Domain}.{f.Name}").Take(5))}), code the gate's executor does not run");
        if (model.Graph is { } graph)
            ScanGraph(graph, "graph");
    }

    private static void ScanGraph(GraphProto graph, string where)
    {
        foreach (var tensor in graph.Initializer)
            ScanTensor(tensor, $"{where} initializer '{tensor.Name}'");
        if (graph.SparseInitializer.Count > 0)
            throw new ModelContentRefusedException($"{where} sparse initializer", "sparse initializers are not read by the gate's executor");
        foreach (var node in graph.Node)
        {
            var nodeName = $"{where} node '{(node.Name.Length > 0 ? node.Name : string.Join(",", node.Output))}' ({node.OpType})";
            if (node.Domain is not ("" or "ai.onnx"))
                throw new ModelContentRefusedException(nodeName, $"operator domain '{node.Domain}' is not the standard one");
            if (node.Overload.Length > 0)
                throw new ModelContentRefusedException(nodeName, $"calls the model-local function overload '{node.Overload}'");
            foreach (var attribute in node.Attribute)
            {
                var at = $"{nodeName} attribute '{attribute.Name}'";
                if (attribute.T is { } single)
                    ScanTensor(single, at);
                foreach (var tensor in attribute.Tensors)
                    ScanTensor(tensor, at);
                if (attribute.SparseTensor is not null || attribute.SparseTensors.Count > 0)
                    throw new ModelContentRefusedException(at, "sparse tensor attributes are not read by the gate's executor");
                if (attribute.G is { } subgraph)
                    ScanGraph(subgraph, at);
                foreach (var each in attribute.Graphs)
                    ScanGraph(each, at);
            }
        }
    }

    private static void ScanTensor(TensorProto tensor, string where)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.ExternalData.Count > 0)
        {
            var location = tensor.ExternalData.FirstOrDefault(e => e.Key == "location")?.Value ?? "(no location)";
            throw new ModelContentRefusedException(where, $"keeps its data in the external file '{location}', which a runtime would read from disk");
        }
    }
}
