using System.Diagnostics;
using System.IO.Compression;
using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Reporting;
using SecMLOps.Gates.Robustness.Attacks;
using SecMLOps.Gates.Robustness.Onnx;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Bench;

/// <summary>
/// What a new team waits for: `init` on the sample's undefended classifier (ONNX) with the first N
/// Fashion-MNIST test images, then `evaluate` of the policy it wrote, through the real command line,
/// against PGD-10 alone on the same images with the same executor and batch size, in the same run.
/// The figure is the ratio evaluate / PGD-10; the target is at most 3 (exit 1 above it).
/// </summary>
internal static class DefaultPolicyBench
{
    private const string FashionMnist = "/usr/share/datasets/fashion-mnist";
    private const double TargetRatio = 3;

    public static int Run(string[] args)
    {
        var images = args.SkipWhile(a => a != "--images").Skip(1).Select(int.Parse).FirstOrDefault(1000);
        var root = AttackBench.FindRoot();
        var repo = Directory.CreateTempSubdirectory("secmlops-bench-default-").FullName;
        try
        {
            Git(repo, "init", "-q");
            var model = Path.Combine(repo, "models", "classifier.onnx");
            Directory.CreateDirectory(Path.GetDirectoryName(model)!);
            File.Copy(Path.Combine(root, "samples", "ModelService", "models", "classifier-undefended.onnx"), model);
            var (data, labels) = (Path.Combine(repo, "data", "eval-images.idx.gz"), Path.Combine(repo, "data", "eval-labels.idx.gz"));
            Directory.CreateDirectory(Path.GetDirectoryName(data)!);
            WriteFirst(Path.Combine(FashionMnist, "t10k-images-idx3-ubyte.gz"), data, images, 16, 784);
            WriteFirst(Path.Combine(FashionMnist, "t10k-labels-idx1-ubyte.gz"), labels, images, 8, 1);

            var init = Cli(["init", "--model", model, "--evaluation-data", data, "--evaluation-labels", labels, "--directory", Path.Combine(repo, "policies"), "--repo-root", repo]);
            if (init.Exit != 0)
                return Fail("init", init.Output);
            var policy = Path.Combine(repo, "policies", "classifier.policy.yaml");
            var cache = Path.Combine(repo, "verdict-cache");
            var (gate, evaluate) = TimedEvaluate(repo, policy, cache);
            if (evaluate.Exit is not (0 or 1))
                return Fail("evaluate", evaluate.Output);
            var attacks = AttackTimes(repo);
            var (cached, again) = TimedEvaluate(repo, policy, cache);

            // The same policy with Square Attack listed: a listed attack runs on every survivor, as the gate's own one did before it became a probe.
            var full = Path.Combine(repo, "policies", "full-square.policy.yaml");
            var lines = File.ReadAllLines(policy).ToList();
            var deepFool = lines.FindIndex(l => l.TrimStart().StartsWith("- {name: deepfool", StringComparison.Ordinal));
            lines.Insert(deepFool + 1, lines[deepFool][..lines[deepFool].IndexOf('-')] + "- {name: square, eps: [0.03]}");
            File.WriteAllLines(full, lines);
            var (unprobed, listed) = TimedEvaluate(repo, full, null);
            if (listed.Exit is not (0 or 1))
                return Fail("evaluate with square listed", listed.Output);
            var square = AttackTimes(repo).Single(a => a.Subject == "square/eps=0.03");

            var pgd = PgdAlone(model, data, labels, images);
            var ratio = gate / pgd;
            Console.WriteLine($"init's default policy on {images} Fashion-MNIST test images of the sample's undefended classifier (ONNX), CPU, {Environment.ProcessorCount} cores");
            Console.WriteLine("| run | seconds |");
            Console.WriteLine("| --- | --- |");
            Console.WriteLine($"| secmlops-gate evaluate (exit {evaluate.Exit}) | {gate:0.0} |");
            Console.WriteLine($"| the same again with --cache (exit {again.Exit}; a hit) | {cached:0.00} |");
            Console.WriteLine($"| the policy with square listed, so it attacks every survivor (the gate's probe before it was bounded) | {unprobed:0.0} |");
            Console.WriteLine($"| PGD-10 alone, eps 0.03, batch 128 | {pgd:0.0} |");
            Console.WriteLine($"ratio evaluate / PGD-10: {ratio:0.00} (target at most {TargetRatio})");
            Console.WriteLine();
            Console.WriteLine("| attack in the evaluation | samples attacked | seconds |");
            Console.WriteLine("| --- | --- | --- |");
            foreach (var (subject, attacked, seconds) in attacks.Append(square with { Subject = "square/eps=0.03 listed" }))
                Console.WriteLine($"| {subject} | {attacked} | {seconds} |");
            return ratio <= TargetRatio ? 0 : 1;
        }
        finally
        {
            Directory.Delete(repo, recursive: true);
        }
    }

    /// <summary>PGD-10 over every image on the gate's own ONNX executor, batch by batch as the gate runs it, and judged.</summary>
    private static double PgdAlone(string model, string data, string labels, int count)
    {
        using var graph = OnnxGraphModel.Load(OnnxModelFile.Read(model));
        var x = tensor(ReadAll(data, 16).Select(b => b / 255f).ToArray(), [count, 1, 28, 28]);
        var y = tensor(ReadAll(labels, 8).Select(b => (long)b).ToArray());
        var target = new AttackTarget(graph.Logits, 0, 1, new Generator(0));
        var attack = new Pgd(0.03, 10);
        var watch = Stopwatch.StartNew();
        for (var start = 0; start < count; start += 128)
        {
            using var scope = NewDisposeScope();
            var length = Math.Min(128, count - start);
            var (batchX, batchY) = (x.narrow(0, start, length), y.narrow(0, start, length));
            target.Predict(attack.Run(target, batchX, batchY)).ne(batchY).sum().item<long>();
        }
        return watch.Elapsed.TotalSeconds;
    }

    private static (double Seconds, (int Exit, string Output) Result) TimedEvaluate(string repo, string policy, string? cache)
    {
        var watch = Stopwatch.StartNew();
        var result = Cli(["evaluate", policy, "--repo-root", repo, "--json", Path.Combine(repo, "report.json"), .. cache is null ? Array.Empty<string>() : ["--cache", cache]]);
        return (watch.Elapsed.TotalSeconds, result);
    }

    private static List<(string Subject, string Attacked, string Seconds)> AttackTimes(string repo) =>
        JsonSummaryFormat.Read(File.ReadAllText(Path.Combine(repo, "report.json"))).Findings
            .Where(f => f.Properties?.ContainsKey("seconds") == true)
            .Select(f => (f.Subject, $"{f.Properties!["attackedSamples"]}", $"{f.Properties["seconds"]}")).ToList();

    private static (int Exit, string Output) Cli(string[] args)
    {
        using var output = new StringWriter();
        var exit = GateCommandLine.Run(args, output, output);
        return (exit, output.ToString());
    }

    private static int Fail(string step, string output)
    {
        Console.Error.WriteLine($"{step} failed:\n{output}");
        return 2;
    }

    /// <summary>The first rows of an IDX file, with the count in its header set to them.</summary>
    private static void WriteFirst(string source, string target, int rows, int header, int rowBytes)
    {
        using var input = new GZipStream(File.OpenRead(source), CompressionMode.Decompress);
        var bytes = new byte[header + rows * rowBytes];
        input.ReadExactly(bytes);
        bytes[4] = (byte)(rows >> 24); bytes[5] = (byte)(rows >> 16); bytes[6] = (byte)(rows >> 8); bytes[7] = (byte)rows;
        using var output = new GZipStream(File.Create(target), CompressionLevel.Fastest);
        output.Write(bytes);
    }

    private static byte[] ReadAll(string path, int header)
    {
        using var input = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var memory = new MemoryStream();
        input.CopyTo(memory);
        return memory.ToArray()[header..];
    }

    private static void Git(string directory, params string[] args)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, UseShellExecute = false };
        foreach (var argument in args) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        process.WaitForExit();
    }
}
