using System.Diagnostics;
using System.Text.Json;
using SecMLOps.Gates.Robustness.Attacks;
using SecMLOps.Gates.Robustness.Models;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Bench;

/// <summary>
/// Images per second of FGSM, PGD-10 and DeepFool (L-inf, at most 50 iterations) on the sample's
/// small CNN at batch 128 on the CPU with 2 threads, against bench/attacks_reference.py doing the same
/// work with Debian's PyTorch. Runs alternate (C#, then Python, per round); medians are compared.
/// </summary>
internal static class AttackBench
{
    private const int Batch = 128;
    private const int Repeats = 3;

    public static int Run(string[] args)
    {
        var rounds = args.SkipWhile(a => a != "--rounds").Skip(1).Select(int.Parse).FirstOrDefault(3);
        var root = FindRoot();
        var model = Path.Combine(root, "samples", "ModelService", "models", "classifier-undefended.torchscript.pt");
        var images = Path.Combine(root, "samples", "ModelService", "models", "evaluation-images.idx.gz");
        set_num_threads(2);
        using var classifier = TorchScriptModel.Load(model);
        var x = LoadImages(images);
        var target = new AttackTarget(classifier.Logits, 0, 1, new Generator(0));
        var y = target.Predict(x);
        var attacks = new (string Name, Attack Attack)[] { ("fgsm", new Fgsm(0.03)), ("pgd-10", new Pgd(0.03, 10)), ("deepfool", new DeepFool(0.02, 50)) };

        var csharp = attacks.ToDictionary(a => a.Name, _ => new List<double>());
        var python = attacks.ToDictionary(a => a.Name, _ => new List<double>());
        foreach (var (_, attack) in attacks) attack.Run(target, x, y); // warm-up
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (name, attack) in attacks)
            {
                var watch = Stopwatch.StartNew();
                for (var i = 0; i < Repeats; i++)
                    using (NewDisposeScope()) attack.Run(target, x, y);
                csharp[name].Add(watch.Elapsed.TotalSeconds / Repeats);
            }
            foreach (var (name, seconds) in PythonReference(Path.Combine(root, "bench", "attacks_reference.py"), model, images))
                python[name].Add(seconds);
        }

        Console.WriteLine($"attacks on the sample CNN, batch {Batch}, CPU, 2 threads, {rounds} alternating rounds of {Repeats} runs; medians");
        Console.WriteLine("| attack | C# (TorchSharp) images/s | PyTorch images/s | time ratio C# / PyTorch |");
        Console.WriteLine("| --- | --- | --- | --- |");
        foreach (var (name, _) in attacks)
        {
            var (ours, theirs) = (Median(csharp[name]), Median(python[name]));
            Console.WriteLine($"| {name} | {Batch / ours:0} | {Batch / theirs:0} | {ours / theirs:0.00} |");
        }
        return 0;
    }

    private static Tensor LoadImages(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress);
        var bytes = new byte[16 + Batch * 784];
        gzip.ReadExactly(bytes);
        return tensor(bytes[16..].Select(b => b / 255f).ToArray(), [Batch, 1, 28, 28]);
    }

    private static Dictionary<string, double> PythonReference(string script, string model, string images)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { script, model, images, Batch.ToString(), Repeats.ToString() })
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException("the PyTorch reference failed (is python3-torch installed?)");
        return JsonSerializer.Deserialize<Dictionary<string, double>>(output.Trim().Split('\n')[^1])!;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SecMLOps.Gates.sln"))) return dir.FullName;
        throw new InvalidOperationException("run the bench from inside the repository");
    }
}
