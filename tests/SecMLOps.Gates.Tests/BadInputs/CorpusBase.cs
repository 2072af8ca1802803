using System.Globalization;
using System.Security.Cryptography;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Provenance.Lineage;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.BadInputs;

/// <summary>
/// The valid repository every bad-input case starts from: the policy and threat model under base/,
/// small CSV datasets, a linear ONNX classifier and its signed lineage, all made here (seeded) and
/// committed to a real git repository, so that tracked files and .git exist as in a user's checkout.
/// </summary>
internal static class CorpusBase
{
    public const int Features = 4, Classes = 3;

    /// <summary>The classifier's weights: class c scores features against column c.</summary>
    public static readonly float[] Weights = [2.0f, -1.5f, 0.5f, -1.0f, 1.8f, 0.2f, 0.8f, -0.6f, 1.2f, -1.1f, 0.3f, 1.4f];

    public static readonly float[] Bias = [0.1f, -0.2f, 0.05f];

    public static ScratchGitRepository Create()
    {
        var repo = new ScratchGitRepository();
        var random = new Random(20261201);
        repo.Write("data/train.csv", Csv(Rows(random, 240)));
        repo.Write("data/golden.csv", Csv(Rows(random, 60)));
        repo.Write("data/eval.csv", Csv(Rows(random, 45)));
        Model(repo.FullPath("models/model.onnx"));
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryLayout.Root, "tests", "SecMLOps.Gates.Tests", "BadInputs", "base"), "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Path.Combine(RepositoryLayout.Root, "tests", "SecMLOps.Gates.Tests", "BadInputs", "base"), file);
            var text = File.ReadAllText(file);
            foreach (var pinned in new[] { "data/train.csv", "data/golden.csv" })
                text = text.Replace($"SHA256({pinned})", FileDigest.Sha256(repo.FullPath(pinned)));
            repo.Write(relative, text);
        }
        SignLineage(repo);
        repo.Write(".gitignore", "outputs/\nreports/\n");
        repo.Commit("base");
        return repo;
    }

    /// <summary>
    /// Uniform features in [0, 1], as many rows of each class; the label is the classifier's own answer,
    /// so the model is right on every row.
    /// </summary>
    private static List<(float[] Features, int Label)> Rows(Random random, int count)
    {
        var rows = new List<(float[], int)>();
        while (rows.Count < count)
        {
            var x = Enumerable.Range(0, Features).Select(_ => (float)random.NextDouble()).ToArray();
            var scores = Enumerable.Range(0, Classes).Select(c => Bias[c] + Enumerable.Range(0, Features).Sum(j => x[j] * Weights[j * Classes + c])).ToArray();
            var label = Array.IndexOf(scores, scores.Max());
            if (rows.Count(r => r.Item2 == label) < count / Classes)
                rows.Add((x, label));
        }
        return rows;
    }

    private static string Csv(IEnumerable<(float[] Features, int Label)> rows) =>
        string.Concat(rows.Select(r => string.Join(',', r.Features.Select(v => v.ToString("0.0000", CultureInfo.InvariantCulture))) + $",{r.Label}\n"));

    public static void Model(string path, Action<OnnxBuilder>? change = null, long opset = 13)
    {
        var builder = new OnnxBuilder(Features, Classes, opset).Initializer("w", Weights, Features, Classes).Initializer("b", Bias, Classes);
        if (change is null)
            builder.Node("MatMul", ["x", "w"], "z").Node("Add", ["z", "b"], "logits");
        else
            change(builder);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        builder.Save(path);
    }

    /// <summary>A lineage statement of the model and the training data, signed with a key made for this repository.</summary>
    private static void SignLineage(ScratchGitRepository repo)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var statement = LineageStatement.Create(
            [("model.onnx", repo.FullPath("models/model.onnx"))],
            [("training", repo.FullPath("data/train.csv"), null)],
            new Dictionary<string, string> { ["epochs"] = "3" }, "0123abc", new Dictionary<string, string> { ["framework"] = "none" });
        repo.Write("lineage/model.dsse.json", DsseEnvelopes.Sign(System.Text.Encoding.UTF8.GetBytes(statement), DsseEnvelopes.InTotoPayloadType, key));
        repo.Write("lineage/signer.pub", key.ExportSubjectPublicKeyInfoPem() + "\n");
    }
}
