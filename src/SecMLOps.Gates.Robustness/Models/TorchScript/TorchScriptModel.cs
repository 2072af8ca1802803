using System.IO.Compression;
using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Models.TorchScript;

/// <summary>A TorchScript module (torch.jit.save), loaded with libtorch and differentiated by autograd.</summary>
public sealed partial class TorchScriptModel : IClassifierModel
{
    private readonly jit.ScriptModule<Tensor, Tensor> _module;

    private TorchScriptModel(jit.ScriptModule<Tensor, Tensor> module) => _module = module;

    public bool Differentiable => true;

    /// <summary>
    /// Loads TorchScript; refuses pickle checkpoints (torch.save), which execute code when unpickled
    /// and carry no graph the gate could run, and any archive whose pickles or code hold more than a
    /// forward pass needs (<see cref="TorchScriptArchiveScanner"/>), before libtorch reads a byte of it.
    /// </summary>
    public static TorchScriptModel Load(string path)
    {
        if (!IsTorchScript(path))
            throw new InvalidDataException(
                $"{Path.GetFileName(path)} is not TorchScript: it looks like a pickle checkpoint (torch.save), which the gate refuses because " +
                "unpickling runs arbitrary code and the file holds weights without a graph. Export the model with torch.jit.script(model).save(path) or torch.onnx.export.");
        TorchScriptArchiveScanner.Scan(path);
        var module = jit.load<Tensor, Tensor>(path);
        module.eval();
        return new TorchScriptModel(module);
    }

    /// <summary>TorchScript archives hold the module's code (a code/ folder) next to its constants; pickle checkpoints do not.</summary>
    private static bool IsTorchScript(string path)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            return zip.Entries.Any(e => e.FullName.Contains("/code/", StringComparison.Ordinal))
                && zip.Entries.Any(e => e.FullName.EndsWith("constants.pkl", StringComparison.Ordinal));
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    public Tensor Logits(Tensor input) => _module.call(input);

    /// <summary>
    /// Calls in the module's code whose result carries no useful gradient (rounding, signs, comparisons,
    /// quantisation). PyTorch's own layers, scripted with the model, check their arguments with comparisons
    /// that are the condition of an if (BatchNorm: `if torch.ne(torch.dim(input), 4):`); those steer on
    /// shapes, not on the data path, and are not counted. Every other call, and any call in the model's own code, is.
    /// </summary>
    public static IReadOnlyList<string> GradientBlockingCalls(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var calls = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries.Where(e => e.FullName.Contains("/code/", StringComparison.Ordinal) && e.FullName.EndsWith(".py", StringComparison.Ordinal)))
        {
            var name = entry.FullName[(entry.FullName.IndexOf("/code/", StringComparison.Ordinal) + 6)..];
            var library = name.StartsWith("__torch__/torch/nn/", StringComparison.Ordinal);
            using var reader = new StreamReader(entry.Open());
            foreach (var line in reader.ReadToEnd().Split('\n'))
            {
                var matches = BlockingCall().Matches(line);
                if (library && matches.Count == 1 && ArgumentCheck().IsMatch(line))
                    continue;
                foreach (Match match in matches)
                    calls.Add($"torch.{match.Groups[1].Value} (in {name})");
            }
        }
        return calls.ToList();
    }

    [GeneratedRegex(@"^\s*(if|elif)\s+torch\.(eq|ne|lt|gt|le|ge)\([^()]*(\([^()]*\))?[^()]*\):\s*$")]
    private static partial Regex ArgumentCheck();

    [GeneratedRegex(@"\btorch\.(round|floor|ceil|trunc|frac|sign|argmax|argmin|topk|bucketize|searchsorted|quantize_per_tensor|quantize_per_channel|fake_quantize_per_tensor_affine|fake_quantize_per_channel_affine|eq|ne|lt|gt|le|ge)\(")]
    private static partial Regex BlockingCall();

    public void To(Device device) => _module.to(device);

    public void Dispose() => _module.Dispose();
}
