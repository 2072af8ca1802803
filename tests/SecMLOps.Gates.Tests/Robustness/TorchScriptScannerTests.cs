using System.IO.Compression;
using System.Text;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Robustness.Models;
using SecMLOps.Gates.Robustness.Models.TorchScript;
using SecMLOps.Gates.Tests.Support;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>
/// Hostile TorchScript archives, each the sample's classifier with one member changed, are refused
/// before libtorch opens them, naming the member and what it holds; the real archives pass.
/// </summary>
[Collection(LibTorchCollection.Name)]
public sealed class TorchScriptScannerTests : IDisposable
{
    private const string Linear = "code/__torch__/torch/nn/modules/linear.py";
    private static readonly string Sample = Path.Combine(RepositoryLayout.Root, "samples", "ModelService", "models", "classifier-pgd.torchscript.pt");
    private readonly ScratchRepository _repo = new();

    public void Dispose() => _repo.Dispose();

    /// <summary>A copy of the sample archive with one member's bytes changed (null removes it; the member's debug info is dropped with its code).</summary>
    private string Variant(string member, Func<byte[], byte[]?> change, string name = "model.pt")
    {
        var path = _repo.Full(name);
        File.Delete(path);
        using var source = ZipFile.OpenRead(Sample);
        using var target = ZipFile.Open(path, ZipArchiveMode.Create);
        var prefix = source.Entries[0].FullName.Split('/')[0] + "/";
        foreach (var entry in source.Entries)
        {
            using var input = entry.Open();
            using var buffer = new MemoryStream();
            input.CopyTo(buffer);
            var bytes = buffer.ToArray();
            var relative = entry.FullName[prefix.Length..];
            if (relative == member + ".debug_pkl")
                continue;
            var written = relative == member ? change(bytes) : bytes;
            if (written is null)
                continue;
            using var output = target.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
            output.Write(written);
        }
        return path;
    }

    private static Func<byte[], byte[]?> Code(Func<string, string> edit) => bytes => Encoding.UTF8.GetBytes(edit(Encoding.UTF8.GetString(bytes)));

    /// <summary>Linear.forward with one more statement before its return.</summary>
    private string LinearWith(string statement) =>
        Variant(Linear, Code(source => source.Replace("    return torch.linear(input, weight, bias)", $"    {statement}\n    return torch.linear(input, weight, bias)")));

    /// <summary>data.pkl with a GLOBAL of the given module and name called (REDUCE) on an empty tuple before the module is built.</summary>
    private static Func<byte[], byte[]?> PickleCalling(byte[] opcodes) => bytes => [.. bytes[..2], .. opcodes, (byte)'0', .. bytes[2..]];

    private static byte[] Global(string module, string name) => [(byte)'c', .. Encoding.ASCII.GetBytes($"{module}\n{name}\n"), (byte)')', (byte)'R'];

    private static ModelContentRefusedException Refused(string path) => Assert.Throws<ModelContentRefusedException>(() => TorchScriptArchiveScanner.Scan(path));

    [Theory]
    [InlineData("classifier-pgd.torchscript.pt")]
    [InlineData("classifier-undefended.torchscript.pt")]
    public void The_sample_archives_pass(string file) =>
        TorchScriptArchiveScanner.Scan(Path.Combine(RepositoryLayout.Root, "samples", "ModelService", "models", file));

    [FixtureTheory]
    [InlineData("mnist-8.torchscript.pt")]
    [InlineData("cifar_base_kw.normalized-input01.torchscript.pt")]
    public void The_fixture_archives_pass(string file) =>
        TorchScriptArchiveScanner.Scan(RepositoryLayout.Fixture("classifiers", "derived-torchscript", file));

    [Theory]
    [InlineData("_evil = torch.from_file(\"/tmp/secmlops-written\", True, 16)", "torch.from_file")]
    [InlineData("_evil = torch.\\\n      from_file(\"/etc/passwd\", False, 16)", "torch.from_file")]
    [InlineData("_evil = torch . from_file (\"/etc/passwd\")  # a comment: torch.relu", "torch.from_file")]
    [InlineData("_evil = ops.aten.from_file(\"/etc/passwd\")", "ops.aten.from_file")]
    [InlineData("_evil = torch.ops.aten.from_file(\"/etc/passwd\")", "torch.ops.aten.from_file")]
    [InlineData("_evil = ops.c10d.allreduce_(weight)", "ops.c10d.allreduce_")]
    [InlineData("_evil = torch.save(weight, \"/tmp/w\")", "torch.save")]
    [InlineData("print(\"weights\", weight)", "call of 'print'")]
    [InlineData("_evil = ops.prim.Print(weight)", "ops.prim.Print")]
    [InlineData("_evil = (weight).set_(weight)", "method 'set_'")]
    [InlineData("_f = torch\n    _evil = _f.from_file(\"/etc/passwd\")", "torch is not an operator")]
    [InlineData("import os", "'import'")]
    [InlineData("_evil = __torch__.torch.classes.dist_c10d.ProcessGroup", "C++ class")]
    [InlineData("_evil = f\"{weight}\"", "string prefix 'f'")]
    public void Code_calling_an_operator_outside_the_allow_list_is_refused_naming_it(string statement, string named)
    {
        var error = Refused(LinearWith(statement));
        Assert.Equal(Linear, error.Member);
        Assert.Contains(named, error.Message);
    }

    [Theory]
    [InlineData("posix", "system")]
    [InlineData("builtins", "open")]
    [InlineData("builtins", "eval")]
    [InlineData("operator", "methodcaller")]
    [InlineData("torch", "load")]
    [InlineData("__torch__", "NotDefinedHere")]
    [InlineData("__torch__.torch.classes.quantized", "Conv2dPackedParamsBase")]
    public void A_pickle_global_outside_the_allow_list_is_refused_naming_it(string module, string name)
    {
        var error = Refused(Variant("data.pkl", PickleCalling(Global(module, name))));
        Assert.Equal("data.pkl", error.Member);
        Assert.Contains($"{module}.{name}", error.Message);

        error = Refused(Variant("constants.pkl", PickleCalling(Global(module, name))));
        Assert.Equal("constants.pkl", error.Member);
    }

    [Fact]
    public void A_stack_global_or_other_opcode_libtorch_does_not_read_is_refused()
    {
        // SHORT_BINUNICODE 'os', SHORT_BINUNICODE 'system', STACK_GLOBAL: the protocol-4 way to name a callable.
        byte[] stackGlobal = [0x8c, 2, .. "os"u8, 0x8c, 6, .. "system"u8, 0x93];
        var error = Refused(Variant("data.pkl", PickleCalling(stackGlobal)));
        Assert.Contains("opcode 0x8c", error.Message);
        Assert.Contains("opcode 0x93", Refused(Variant("data.pkl", PickleCalling([0x93]))).Message);
    }

    [Theory]
    [InlineData("../outside.py")]
    [InlineData("code/evil.py")]
    [InlineData("extra/../../x")]
    public void A_member_outside_what_an_archive_holds_is_refused(string member)
    {
        var path = Variant("version", bytes => bytes);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            using var entry = zip.CreateEntry(zip.Entries[0].FullName.Split('/')[0] + "/" + member).Open();
            entry.Write("x = 1\n"u8);
        }
        Refused(path);
    }

    [Fact]
    public void Without_the_scanner_libtorch_runs_the_from_file_model_and_through_the_gate_it_is_refused_before_loading()
    {
        var target = Path.Combine(Path.GetTempPath(), "secmlops-from-file-" + Guid.NewGuid().ToString("N"));
        try
        {
            // The mapped tensor feeds the output, so no optimisation can drop the call.
            var model = Variant(Linear, Code(source => source.Replace("    return torch.linear(input, weight, bias)",
                $"    _evil = torch.fill_(torch.from_file(\"{target}\", True, 16), 7.)\n    return torch.add(torch.linear(input, weight, bias), torch.mul(torch.sum(_evil), 0.))")));
            // The threat is real: libtorch itself maps (and creates) the file when the forward pass runs.
            using (var scope = NewDisposeScope())
            using (var module = jit.load<Tensor, Tensor>(model))
                module.call(zeros(1, 1, 28, 28));
            Assert.True(File.Exists(target), "the hostile model did not write: the test would prove nothing");
            File.Delete(target);

            using var scenario = new RobustnessScenario();
            File.Copy(model, scenario.Full("model.pt"));
            File.Copy(Path.Combine(RepositoryLayout.Root, "samples", "ModelService", "models", "evaluation-images.idx.gz"), scenario.Full("images.idx.gz"));
            File.Copy(Path.Combine(RepositoryLayout.Root, "samples", "ModelService", "models", "evaluation-labels.idx.gz"), scenario.Full("labels.idx.gz"));
            var report = scenario.Evaluate("{path: model.pt, format: torchscript, inputShape: [1, 28, 28], valueRange: [0, 1]}",
                "{path: images.idx.gz, labels: labels.idx.gz, format: idx}", "                dataset: eval\n                sampleCount: 10\n                attacks: [{name: fgsm, eps: [0.01]}]");
            var error = Assert.Single(report.Findings);
            Assert.Equal(EngineRules.ModelContentRefused.Id, error.Rule.Id);
            Assert.Contains("linear.py: line", error.Finding.Message);
            Assert.Contains("torch.from_file", error.Finding.Message);
            Assert.Equal(Verdict.Error, report.Verdict);
            Assert.False(File.Exists(target));
        }
        finally
        {
            File.Delete(target);
        }
    }

    [LandlockFact]
    public void Confined_a_model_the_scanner_never_saw_cannot_write_a_file_or_open_a_tcp_connection_or_an_internet_socket()
    {
        var target = Path.Combine(Path.GetTempPath(), "secmlops-confined-" + Guid.NewGuid().ToString("N"));
        try
        {
            var model = Variant(Linear, Code(source => source.Replace("    return torch.linear(input, weight, bias)",
                $"    _evil = torch.fill_(torch.from_file(\"{target}\", True, 16), 7.)\n    return torch.add(torch.linear(input, weight, bias), torch.mul(torch.sum(_evil), 0.))")));
            // Loaded straight into libtorch, past the scanner, the way a gadget it does not know would be.
            var refused = Record.Exception(() => ModelConfinement.Run(() =>
            {
                using var scope = NewDisposeScope();
                using var module = jit.load<Tensor, Tensor>(model);
                return module.call(zeros(1, 1, 28, 28)).shape;
            }));
            Assert.NotNull(refused);
            Assert.Contains("Permission denied", refused.Message);
            Assert.False(File.Exists(target), "the confined model wrote its file");

            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            using (var outside = new System.Net.Sockets.TcpClient())
                outside.Connect(System.Net.IPAddress.Loopback, port);
            var connect = Record.Exception(() => ModelConfinement.Run(() =>
            {
                using var inside = new System.Net.Sockets.TcpClient();
                inside.Connect(System.Net.IPAddress.Loopback, port);
                return inside.Connected;
            }));
            Assert.IsType<System.Net.Sockets.SocketException>(connect);

            // UDP (a DNS query is enough to leak data) and IPv6: no socket of an internet family can even be made.
            foreach (var (family, type, protocol) in new[]
            {
                (System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp),
                (System.Net.Sockets.AddressFamily.InterNetworkV6, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp),
            })
            {
                using (new System.Net.Sockets.Socket(family, type, protocol)) { }
                var made = Record.Exception(() => ModelConfinement.Run(() =>
                {
                    using var socket = new System.Net.Sockets.Socket(family, type, protocol);
                    return socket.Handle;
                }));
                Assert.IsType<System.Net.Sockets.SocketException>(made);
            }
        }
        finally
        {
            File.Delete(target);
        }
    }

    /// <summary>
    /// The gradient-blocking scan reads the scripted code: BatchNorm's argument check (`if torch.ne(torch.dim(input), 4):`)
    /// in PyTorch's own layers is not on the data path, so the sample detector (scripted with BatchNorm) shows none; the same
    /// comparison in the model's own code, or a library line that also rounds, still counts.
    /// </summary>
    [Fact]
    public void Argument_checks_in_pytorchs_own_layers_are_not_gradient_blocking_but_the_models_own_comparisons_are()
    {
        Assert.Empty(TorchScriptModel.GradientBlockingCalls(Path.Combine(RepositoryLayout.Root, "samples", "Detection", "models", "detector-undefended.torchscript.pt")));

        var path = _repo.Full("scan.pt");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            void Add(string name, string code)
            {
                using var writer = new StreamWriter(zip.CreateEntry(name).Open());
                writer.Write(code);
            }
            Add("scan/code/__torch__/torch/nn/modules/batchnorm.py", "  def forward(self, input):\n    if torch.ne(torch.dim(input), 4):\n      pass\n    if torch.gt(torch.round(input), 0):\n      pass\n");
            Add("scan/code/__torch__/model.py", "  def forward(self, x):\n    if torch.ne(torch.dim(x), 4):\n      pass\n");
        }
        Assert.Equal(["torch.gt (in __torch__/torch/nn/modules/batchnorm.py)", "torch.ne (in __torch__/model.py)", "torch.round (in __torch__/torch/nn/modules/batchnorm.py)"],
            TorchScriptModel.GradientBlockingCalls(path));
    }
}
