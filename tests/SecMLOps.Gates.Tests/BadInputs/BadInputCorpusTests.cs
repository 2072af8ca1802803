using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Robustness.Onnx.Proto;
using SecMLOps.Gates.Tests.Robustness;
using SecMLOps.Gates.Tests.Support;
using Xunit.Abstractions;

namespace SecMLOps.Gates.Tests.BadInputs;

/// <summary>
/// The bad-input corpus (cases.json): each case is a small change to the valid base repository,
/// run through the real command line. Every case must fail closed as stated: its exit code (2 for
/// bad input, 1 where the input is well formed and violates the policy), its SMG code, the file
/// named and, where the format has lines, the line and column; and no file of the repository may be
/// written or changed, besides the reports the command was asked for.
/// </summary>
[Collection(LibTorchCollection.Name)]
public sealed class BadInputCorpusTests(ITestOutputHelper output)
{
    private static readonly string Folder = Path.Combine(RepositoryLayout.Root, "tests", "SecMLOps.Gates.Tests", "BadInputs");

    /// <summary>What the issue found, one word a bullet; every case names the one it covers.</summary>
    private static readonly string[] Bullets = ["crash", "pass", "overwrite", "malformed-as-violation", "validate-gap", "message", "diff"];

    private static readonly Lazy<string> Base = new(() =>
    {
        var repo = CorpusBase.Create();
        var copy = Path.Combine(Path.GetTempPath(), "secmlops-corpus-base-" + Guid.NewGuid().ToString("N"));
        CopyTree(repo.Path, copy);
        repo.Dispose();
        return copy;
    });

    private sealed record Operation(string Kind, string Path, string? Old, string? New, string? Text, string? Target, string? Variant);

    private sealed record CorpusCase(string Name, string Why, IReadOnlyList<Operation> Ops, IReadOnlyList<string>? Args, int Exit, string Code, string At);

    private static IReadOnlyList<CorpusCase> Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "cases.json")));
        return document.RootElement.EnumerateArray().Select(c => new CorpusCase(
            c.GetProperty("name").GetString()!,
            c.GetProperty("why").GetString()!,
            c.GetProperty("ops").EnumerateArray().Select(o => new Operation(
                o.GetProperty("op").GetString()!, o.GetProperty("path").GetString()!,
                Text(o, "old"), Text(o, "new"), Text(o, "text"), Text(o, "target"), Text(o, "variant"))).ToList(),
            c.TryGetProperty("args", out var args) ? args.EnumerateArray().Select(a => a.GetString()!).ToList() : null,
            c.GetProperty("exit").GetInt32(),
            c.GetProperty("code").GetString()!,
            c.GetProperty("at").GetString()!)).ToList();
    }

    private static string? Text(JsonElement element, string name) => element.TryGetProperty(name, out var value) ? value.GetString() : null;

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Load())
            data.Add(c.Name);
        return data;
    }

    [Fact]
    public void The_corpus_has_at_least_300_uniquely_named_cases_covering_every_finding_of_the_issue()
    {
        var cases = Load();
        Assert.True(cases.Count >= 300, $"{cases.Count} cases");
        Assert.Equal(cases.Count, cases.Select(c => c.Name).Distinct().Count());
        Assert.All(cases, c => Assert.Contains(c.Why, Bullets));
        Assert.All(Bullets.Where(b => b != "diff"), b => Assert.Contains(cases, c => c.Why == b));
    }

    [Fact]
    public void The_base_repository_evaluates_to_a_verdict()
    {
        using var scratch = new Scratch();
        var (exit, text) = Run(scratch.Path, ["evaluate", "policy.yaml"]);
        output.WriteLine(text);
        Assert.True(exit == 0, text);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_bad_input_fails_closed_with_its_code_and_place_and_writes_nothing(string name)
    {
        var corpusCase = Load().Single(c => c.Name == name);
        using var scratch = new Scratch();
        foreach (var operation in corpusCase.Ops)
            Apply(scratch.Path, operation);
        var before = Snapshot(scratch.Path);

        var (exit, text) = Run(scratch.Path, corpusCase.Args ?? ["evaluate", "policy.yaml"]);
        output.WriteLine(text);

        Assert.True(exit == corpusCase.Exit, $"exit {exit}, expected {corpusCase.Exit}:\n{text}");
        Assert.True(corpusCase.Code.Length == 0 || text.Contains($"{corpusCase.At}: error {corpusCase.Code}: ", StringComparison.Ordinal) || text.Contains($"{corpusCase.At}: warning {corpusCase.Code}: ", StringComparison.Ordinal),
            $"expected '{corpusCase.At}: error {corpusCase.Code}:' in:\n{text}");
        var after = Snapshot(scratch.Path);
        var changed = before.Where(f => !after.TryGetValue(f.Key, out var digest) || digest != f.Value).Select(f => f.Key)
            .Concat(after.Keys.Where(f => !before.ContainsKey(f) && !f.StartsWith("reports/", StringComparison.Ordinal) && (exit == 2 || !f.StartsWith("outputs/", StringComparison.Ordinal))))
            .ToList();
        Assert.True(changed.Count == 0, $"written or changed: {string.Join(", ", changed)}");
    }

    /// <summary>The command line in process, with paths made absolute against the scratch repository.</summary>
    private static (int Exit, string Output) Run(string repository, IReadOnlyList<string> args)
    {
        var writer = new StringWriter();
        var resolved = args.Select(a => a.StartsWith("--", StringComparison.Ordinal) || a is "evaluate" or "validate" || a.Contains('\0') ? a : Path.Combine(repository, a))
            .Concat(["--repo-root", repository, "--as-of", "2026-11-22"])
            .Concat(args[0] == "evaluate" && !args.Contains("--sarif") ? ["--sarif", Path.Combine(repository, "reports", "gate.sarif")] : [])
            .ToArray();
        var exit = GateCommandLine.Run(resolved, writer, writer);
        return (exit, writer.ToString());
    }

    private static Dictionary<string, string> Snapshot(string repository) =>
        Directory.EnumerateFiles(repository, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(f => !new FileInfo(f).Attributes.HasFlag(FileAttributes.ReparsePoint))
            .ToDictionary(f => Path.GetRelativePath(repository, f).Replace(Path.DirectorySeparatorChar, '/'),
                f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    private static void Apply(string repository, Operation operation)
    {
        var path = Path.Combine(repository, operation.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        switch (operation.Kind)
        {
            case "replace":
                var text = File.ReadAllText(path);
                Assert.True(text.Contains(operation.Old!, StringComparison.Ordinal), $"{operation.Path} does not contain '{operation.Old}'");
                File.WriteAllText(path, text.Replace(operation.Old!, operation.New));
                break;
            case "regex":
                var before = File.ReadAllText(path);
                var after = System.Text.RegularExpressions.Regex.Replace(before, operation.Old!, operation.New!);
                Assert.True(before != after, $"{operation.Path} does not match '{operation.Old}'");
                File.WriteAllText(path, after);
                break;
            case "write":
                File.WriteAllText(path, operation.Text);
                break;
            case "append":
                File.AppendAllText(path, operation.Text);
                break;
            case "bytes":
                File.WriteAllBytes(path, Convert.FromBase64String(operation.Text!));
                break;
            case "delete":
                File.Delete(path);
                break;
            case "mkdir":
                Directory.CreateDirectory(path);
                break;
            case "symlink":
                File.Delete(path);
                File.CreateSymbolicLink(path, operation.Target!);
                break;
            case "large":
                File.WriteAllText(path, "# " + new string('x', 5 * 1024 * 1024) + "\n");
                break;
            case "gzip":
                Gzip(path, File.ReadAllBytes(Path.Combine(repository, operation.Target!)), operation.Variant);
                break;
            case "idx":
                Idx(repository, operation);
                break;
            case "onnx":
                Onnx(path, operation.Variant!);
                break;
            default:
                throw new InvalidOperationException($"unknown operation {operation.Kind}");
        }
    }

    private static void Gzip(string path, byte[] content, string? damage)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(content);
        var bytes = buffer.ToArray();
        bytes = damage switch
        {
            "crc" => [.. bytes[..^8], (byte)(bytes[^8] ^ 0xFF), .. bytes[^7..]],
            "length" => [.. bytes[..^4], (byte)(bytes[^4] ^ 0x01), .. bytes[^3..]],
            "truncate" => bytes[..(bytes.Length / 2)],
            _ => bytes,
        };
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>An IDX pair (images, labels) made from a CSV of the base: float32 or byte values, optionally damaged.</summary>
    private static void Idx(string repository, Operation operation)
    {
        var rows = File.ReadAllLines(Path.Combine(repository, operation.Target!)).Select(l => l.Split(',')).ToList();
        var features = rows.Select(r => r[..^1].Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToList();
        var labels = rows.Select(r => byte.Parse(r[^1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var variant = operation.Variant ?? "";
        var floats = variant.Contains("float");
        using var images = new MemoryStream();
        images.Write(variant.Contains("magic") ? [1, 2, 3, 4] : [0, 0, (byte)(floats ? 0x0D : 0x08), 2]);
        images.Write(BigEndian(rows.Count));
        images.Write(BigEndian(CorpusBase.Features));
        foreach (var value in features.SelectMany(f => f))
        {
            var scaled = variant.Contains("scaled") ? value * 255 : value;
            if (floats)
                images.Write(BitConverter.GetBytes(scaled).Reverse().ToArray());
            else
                images.WriteByte((byte)Math.Round(scaled * 255));
        }
        if (variant.Contains("trailing"))
            images.WriteByte(7);
        File.WriteAllBytes(Path.Combine(repository, operation.Path + "-images.idx"), images.ToArray());
        using var labelFile = new MemoryStream();
        labelFile.Write([0, 0, 0x08, 1]);
        labelFile.Write(BigEndian(variant.Contains("count") ? rows.Count - 1 : rows.Count));
        labelFile.Write(variant.Contains("count") ? labels[..^1] : labels);
        File.WriteAllBytes(Path.Combine(repository, operation.Path + "-labels.idx"), labelFile.ToArray());
    }

    private static byte[] BigEndian(int value) => BitConverter.GetBytes(value).Reverse().ToArray();

    private static void Onnx(string path, string variant)
    {
        switch (variant)
        {
            case "unsupported-operator":
                CorpusBase.Model(path, b => b.Node("MatMul", ["x", "w"], "z").Node("Erf", ["z"], "logits"));
                break;
            case "opset-99":
                CorpusBase.Model(path, opset: 99);
                break;
            case "opset-5":
                CorpusBase.Model(path, opset: 5);
                break;
            case "pad-wrap":
                CorpusBase.Model(path, b => b.Node("MatMul", ["x", "w"], "z").Node("Pad", ["z"], "logits", Attribute("mode", "wrap"), Ints("pads", 0, 0, 0, 0)));
                break;
            case "unknown-attribute":
                CorpusBase.Model(path, b => b.Node("MatMul", ["x", "w"], "z").Node("Relu", ["z"], "logits", Attribute("approximate", "tanh")));
                break;
            case "vector-output":
                CorpusBase.Model(path, b => b.Node("MatMul", ["x", "w"], "z").Node("ReduceSum", ["z"], "logits"));
                break;
            case "constant-external-data":
                CorpusBase.Model(path, b => b.Node("Constant", [], "c", ExternalTensor("value", "../../../etc/passwd"))
                    .Node("MatMul", ["x", "w"], "z").Node("Add", ["z", "c"], "logits"));
                break;
            case "constant-tensors-external-data":
                CorpusBase.Model(path, b => b.Node("MatMul", ["x", "w"], "z").Node("If", ["z"], "logits", Graph("then_branch", ExternalTensor("value", "/etc/passwd"))));
                break;
            case "initializer-external-data":
                CorpusBase.Model(path);
                var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
                var bias = model.Graph.Initializer.Single(t => t.Name == "b");
                bias.ClearRawData();
                bias.FloatData.Clear();
                bias.DataLocation = TensorProto.Types.DataLocation.External;
                bias.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "model.onnx" });
                File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(model));
                break;
            case "unknown-field":
                // ModelProto field 20 (training_info), empty: a part of the format the gate does not read.
                CorpusBase.Model(path);
                File.AppendAllBytes(path, [0xA2, 0x01, 0x00]);
                break;
            case "local-function":
                // ModelProto field 25 (functions): one function named "f".
                CorpusBase.Model(path);
                File.AppendAllBytes(path, [0xCA, 0x01, 0x03, 0x0A, 0x01, (byte)'f']);
                break;
            case "dangling-input":
                CorpusBase.Model(path, b => b.Node("MatMul", ["x", "nowhere"], "logits"));
                break;
            default:
                throw new InvalidOperationException($"unknown ONNX variant {variant}");
        }
    }

    /// <summary>A Constant's value whose data lives in another file, where a runtime would read it from.</summary>
    private static AttributeProto ExternalTensor(string name, string location) => new()
    {
        Name = name,
        Type = AttributeProto.Types.AttributeType.Tensor,
        T = new TensorProto
        {
            Name = "external", DataType = (int)TensorProto.Types.DataType.Float, Dims = { CorpusBase.Classes },
            DataLocation = TensorProto.Types.DataLocation.External,
            ExternalData = { new StringStringEntryProto { Key = "location", Value = location }, new StringStringEntryProto { Key = "length", Value = "12" } },
        },
    };

    /// <summary>A subgraph attribute holding one Constant with the given value, so the external tensor sits a level down.</summary>
    private static AttributeProto Graph(string name, AttributeProto value) => new()
    {
        Name = name,
        Type = AttributeProto.Types.AttributeType.Graph,
        G = new GraphProto { Name = "branch", Node = { new NodeProto { OpType = "Constant", Output = { "inner" }, Attribute = { value } } }, Output = { new ValueInfoProto { Name = "inner" } } },
    };

    private static AttributeProto Attribute(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8(value) };

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    /// <summary>A fresh copy of the base repository (git history included) for one case.</summary>
    private sealed class Scratch : IDisposable
    {
        public Scratch()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "secmlops-corpus-" + Guid.NewGuid().ToString("N"));
            CopyTree(Base.Value, Path);
        }

        public string Path { get; }

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }
}
