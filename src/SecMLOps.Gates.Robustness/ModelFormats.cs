using SecMLOps.Gates.Robustness.Models;
using SecMLOps.Gates.Robustness.Models.TorchScript;
using SecMLOps.Gates.Robustness.Onnx;

namespace SecMLOps.Gates.Robustness;

/// <summary>A model file loaded: the form the attacks differentiate, the form that decides (may be the same), the calls that block gradients, and one sample's shape where the file declares it.</summary>
public sealed record LoadedModel(IClassifierModel Differentiable, IClassifierModel Reference, IReadOnlyList<string> GradientBlocking, long[]? DeclaredSample);

/// <summary>
/// A model format as policies name it (<c>spec.model.format</c>): the file extensions <c>init</c>
/// recognises, how a file loads, and, where the format declares its input and output, how those shapes
/// are read without loading the model (null: the policy must give <c>inputShape</c>, and <c>init</c>
/// cannot tell a detector's head from its output).
/// </summary>
public sealed record ModelFormat(string Name, IReadOnlyList<string> Extensions, Func<string, bool, LoadedModel> Load, Func<string, long[]>? ReadInputShape, Func<string, long[]>? ReadOutputShape);

/// <summary>Every model format the gate loads, in one list: nothing outside it matches on a format's name.</summary>
public static class ModelFormats
{
    public static IReadOnlyList<ModelFormat> All { get; } =
    [
        new("onnx", [".onnx"], LoadOnnx, OnnxGraphModel.ReadInputShape, OnnxGraphModel.ReadOutputShape),
        new("torchscript", [".pt", ".pth", ".torchscript"], (path, _) =>
        {
            var model = TorchScriptModel.Load(path);
            return new LoadedModel(model, model, TorchScriptModel.GradientBlockingCalls(path), null);
        }, null, null),
    ];

    public static ModelFormat? Find(string name) => All.FirstOrDefault(f => f.Name == name);

    public static ModelFormat? ByExtension(string extension) => All.FirstOrDefault(f => f.Extensions.Contains(extension.ToLowerInvariant()));

    /// <summary>ONNX: the gate's executor is differentiated, ONNX Runtime decides; the two are checked to agree.</summary>
    private static LoadedModel LoadOnnx(string path, bool useCuda)
    {
        var file = OnnxModelFile.Read(path);
        var graph = OnnxGraphModel.Load(file);
        return new LoadedModel(graph, new OnnxRuntimeModel(file, useCuda), graph.GradientBlockingNodes(), graph.InputShape.Length > 1 ? graph.InputShape[1..] : null);
    }
}
