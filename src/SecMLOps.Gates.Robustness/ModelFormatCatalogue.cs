using SecMLOps.Gates.Policies;
using SecMLOps.Gates.Robustness.Models;
using SecMLOps.Gates.Robustness.Models.TorchScript;
using SecMLOps.Gates.Robustness.Onnx;

namespace SecMLOps.Gates.Robustness;

/// <summary>A model file loaded: the form the attacks differentiate, the form that decides (may be the same), the calls that block gradients, and one sample's shape where the file declares it.</summary>
public sealed record LoadedModel(IClassifierModel Differentiable, IClassifierModel Reference, IReadOnlyList<string> GradientBlocking, long[]? DeclaredSample);

/// <summary>A model format the gates load: what the engine and <c>init</c> know of it, and how a file of it loads (the path, and whether to run on CUDA).</summary>
public sealed record ModelFormat(string Name, string Description, IReadOnlyList<string> Extensions, Func<string, bool, LoadedModel> Load,
    Func<string, long[]>? ReadInputShape = null, Func<string, long[]>? ReadOutputShape = null)
    : ModelFileFormat(Name, Description, Extensions, ReadInputShape, ReadOutputShape);

/// <summary>
/// The model formats a gate loads, in one list: nothing outside it matches on a format's name. The
/// gates that load models are given one (<see cref="BuiltIn"/> unless a front end adds a format with
/// <see cref="With"/>) and declare its formats, which the policy schema and <c>init</c> read.
/// </summary>
public sealed class ModelFormatCatalogue
{
    private ModelFormatCatalogue(IReadOnlyList<ModelFormat> all)
    {
        if (all.GroupBy(f => f.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"two model formats are named '{twice.Key}'", nameof(all));
        All = all;
    }

    public IReadOnlyList<ModelFormat> All { get; }

    /// <summary>This catalogue and one format more, whose name is new.</summary>
    public ModelFormatCatalogue With(ModelFormat format) => new([.. All, format]);

    public ModelFormat? Find(string name) => All.FirstOrDefault(f => f.Name == name);

    public static ModelFormatCatalogue BuiltIn { get; } = new(
    [
        new("onnx", "an ONNX model, differentiated by the gate's own executor and checked against ONNX Runtime", [".onnx"], LoadOnnx,
            OnnxGraphModel.ReadInputShape, OnnxGraphModel.ReadOutputShape),
        new("torchscript", "a TorchScript archive (torch.jit.save), read as data and checked before it loads; pickle checkpoints are refused", [".pt", ".pth", ".torchscript"], (path, _) =>
        {
            var model = TorchScriptModel.Load(path);
            return new LoadedModel(model, model, TorchScriptModel.GradientBlockingCalls(path), null);
        }),
    ]);

    /// <summary>ONNX: the gate's executor is differentiated, ONNX Runtime decides; the two are checked to agree.</summary>
    private static LoadedModel LoadOnnx(string path, bool useCuda)
    {
        var file = OnnxModelFile.Read(path);
        var graph = OnnxGraphModel.Load(file);
        return new LoadedModel(graph, new OnnxRuntimeModel(file, useCuda), graph.GradientBlockingNodes(), graph.InputShape.Length > 1 ? graph.InputShape[1..] : null);
    }
}
