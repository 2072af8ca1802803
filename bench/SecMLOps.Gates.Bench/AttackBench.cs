using System.Diagnostics;
using System.Text.Json;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Robustness.Attacks;
using SecMLOps.Gates.Robustness.Gate;
using SecMLOps.Gates.Robustness.Models.TorchScript;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Bench;

/// <summary>
/// Three measurements on the sample's classifiers, on the CPU with 2 threads:
/// 1. images per second of FGSM, PGD-10 and DeepFool (L-inf, at most 50 iterations) at batch 128,
///    against bench/attacks_reference.py doing the same work with Debian's PyTorch (runs alternate,
///    C# then Python per round; medians compared);
/// 2. APGD-CE beside PGD with the same 100 gradient steps: images per second and robust accuracy;
/// 3. the gate's attack list (FGSM, PGD-10, APGD-CE, DeepFool, Square) at eps 0.03 over the whole
///    evaluation set through the robustness gate, once as the ensemble (each attack on the samples
///    still robust) and once as separate attacks (each on every sample), timed in the same run; the
///    worst-case robust accuracy must be the same.
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
        var stepMatched = new (string Name, Attack Attack)[] { ("pgd-100", new Pgd(0.03, 100)), ("apgd-ce-100", new Apgd("apgd-ce", 0.03, AttackLoss.CrossEntropy, 100)) };

        var csharp = attacks.Concat(stepMatched).ToDictionary(a => a.Name, _ => new List<double>());
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
            foreach (var (name, attack) in stepMatched)
                csharp[name].Add(Time(() => attack.Run(target, x, y)));
        }

        Console.WriteLine($"attacks on the sample CNN, batch {Batch}, CPU, 2 threads, {rounds} alternating rounds of {Repeats} runs; medians");
        Console.WriteLine("| attack | C# (TorchSharp) images/s | PyTorch images/s | time ratio C# / PyTorch |");
        Console.WriteLine("| --- | --- | --- | --- |");
        foreach (var (name, _) in attacks)
        {
            var (ours, theirs) = (Median(csharp[name]), Median(python[name]));
            Console.WriteLine($"| {name} | {Batch / ours:0} | {Batch / theirs:0} | {ours / theirs:0.00} |");
        }

        Console.WriteLine();
        Console.WriteLine("APGD beside PGD, same 100 gradient steps, eps 0.03, batch 128 (C#)");
        Console.WriteLine("| attack | images/s | robust accuracy |");
        Console.WriteLine("| --- | --- | --- |");
        foreach (var (name, attack) in stepMatched)
        {
            using var scope = NewDisposeScope();
            var robust = target.Predict(attack.Run(target, x, y)).eq(y).to_type(ScalarType.Float32).mean().item<float>();
            Console.WriteLine($"| {name} | {Batch / Median(csharp[name]):0} | {robust:P1} |");
        }

        Console.WriteLine();
        return EnsembleAgainstSeparate(root);
    }

    /// <summary>The gate's attack list through the real gate on the sample's evaluation set, as the ensemble and as separate attacks.</summary>
    private static int EnsembleAgainstSeparate(string root)
    {
        var repo = Path.Combine(Path.GetTempPath(), "secmlops-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(Path.Combine(repo, ".git"));
        try
        {
            var models = Path.Combine(root, "samples", "ModelService", "models");
            foreach (var file in new[] { "classifier-pgd.onnx", "evaluation-images.idx.gz", "evaluation-labels.idx.gz" })
                File.Copy(Path.Combine(models, file), Path.Combine(repo, file));
            var engine = new GateEngine(new GateRegistry([new RobustnessGate()]));
            var results = new List<(string Mode, double Seconds, double Robust)>();
            foreach (var ensemble in new[] { true, false })
            {
                var policy = Path.Combine(repo, $"policy-{ensemble}.yaml");
                File.WriteAllText(policy, EnsemblePolicy(ensemble));
                EvaluationReport? report = null;
                var seconds = Time(() => report = engine.Evaluate(new EvaluationRequest([policy], RepositoryRoot.At(repo), DateOnly.FromDateTime(DateTime.UtcNow))));
                if (report!.Findings.FirstOrDefault(f => f.Outcome == Outcome.Error) is { } error)
                {
                    Console.Error.WriteLine(error.Finding.Message);
                    return 1;
                }
                var worst = report.Findings.Single(f => f.Finding.Subject == "worst-case/eps=0.03");
                results.Add((ensemble ? "ensemble" : "separate", seconds, Convert.ToDouble(worst.Finding.Properties!["robustAccuracy"], System.Globalization.CultureInfo.InvariantCulture)));
            }
            Console.WriteLine("the gate's attacks (fgsm, pgd-10, apgd-ce, deepfool, square) at eps 0.03 on the sample's 500 evaluation images, PGD-trained model, whole rule");
            Console.WriteLine("| run | seconds | worst-case robust accuracy |");
            Console.WriteLine("| --- | --- | --- |");
            foreach (var (mode, seconds, robust) in results)
                Console.WriteLine($"| {mode} | {seconds:0.0} | {robust:P1} |");
            Console.WriteLine($"ratio separate / ensemble: {results[1].Seconds / results[0].Seconds:0.00}");
            return results[0].Robust == results[1].Robust ? 0 : 1;
        }
        finally
        {
            Directory.Delete(repo, recursive: true);
        }
    }

    private static string EnsemblePolicy(bool ensemble) => $$"""
        apiVersion: secmlops.gates/v1
        kind: GatePolicy
        metadata: {name: bench, version: 1.0.0, owners: [bench]}
        spec:
          model: {path: classifier-pgd.onnx, format: onnx, inputShape: [1, 28, 28], valueRange: [0, 1]}
          datasets:
            evaluation: {path: evaluation-images.idx.gz, labels: evaluation-labels.idx.gz, format: idx}
          rules:
            - id: BENCH-ROB
              kind: robustness
              enforcement: hard-mandatory
              severity: high
              settings:
                dataset: evaluation
                ensemble: {{(ensemble ? "true" : "false")}}
                attacks:
                  - {name: fgsm, eps: [0.03]}
                  - {name: pgd, eps: [0.03], steps: 10}
                  - {name: apgd-ce, eps: [0.03]}
                  - {name: deepfool, xi: [0.02], eps: [0.03]}
                  - {name: square, eps: [0.03]}
        """;

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
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

    public static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SecMLOps.Gates.sln"))) return dir.FullName;
        throw new InvalidOperationException("run the bench from inside the repository");
    }
}
