using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Poisoning;
using SecMLOps.Gates.Policies;
using SecMLOps.Gates.Robustness.Learning;

namespace SecMLOps.Gates.Bench;

/// <summary>
/// The poisoning gate at full scale: Fashion-MNIST's 60,000 training rows, 10 % of their labels
/// flipped at random (seeded), against its 10,000 test rows as the golden set. The reference,
/// measured in the same process and alternated with the gate, is one streamed read of both datasets
/// (decompression and parsing alone), so the ratio says what the checks cost on top of reading the
/// data. Peak memory is the process's peak working set, after the first reference run and at the end.
/// Precision and recall are those of the quarantine file against the flipped rows.
/// </summary>
internal static class PoisoningBench
{
    public static int Run(string[] args)
    {
        var runs = args.SkipWhile(a => a != "--runs").Skip(1).Select(int.Parse).FirstOrDefault(3);
        var data = args.SkipWhile(a => a != "--data").Skip(1).FirstOrDefault() ?? "/usr/share/datasets/fashion-mnist";
        var repo = Path.Combine(Path.GetTempPath(), "secmlops-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(Path.Combine(repo, ".git"));
        try
        {
            foreach (var file in new[] { "train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" })
                File.Copy(Path.Combine(data, file), Path.Combine(repo, file));
            var flipped = WriteFlippedLabels(Path.Combine(data, "train-labels-idx1-ubyte.gz"), Path.Combine(repo, "train-labels-idx1-ubyte.gz"));
            var policy = Path.Combine(repo, "policy.yaml");
            File.WriteAllText(policy, Policy(repo));
            var engine = new GateEngine(new GateRegistry([new PoisoningGate(trainers: [new TorchLabelModelTrainer()])]));
            return Measure($"poisoning gate, 60000 x 784 training rows ({flipped.Count} labels flipped at random) vs 10000 golden rows", repo, engine, policy, () => ReadBoth(repo), flipped, runs,
                $" (training set as float32: {60000.0 * 784 * 4 / 1048576:0} MiB)", subject => subject is "duplicates" or "shift/features" or "shift/class-prior");
        }
        finally
        {
            Directory.Delete(repo, recursive: true);
        }
    }

    /// <summary>
    /// Alternates the reference and the gate <paramref name="runs"/> times in this process and prints
    /// both medians, the peak working sets, their ratios, and the quarantine's precision and recall
    /// against <paramref name="flipped"/>, with the label findings (and those <paramref name="alsoShow"/> picks).
    /// </summary>
    internal static int Measure(string title, string repo, GateEngine engine, string policy, Action reference, IReadOnlyCollection<int> flipped, int runs,
        string memoryNote, Func<string, bool> alsoShow)
    {
        var request = new EvaluationRequest([policy], RepositoryRoot.At(repo), DateOnly.FromDateTime(DateTime.UtcNow));
        var referenceTimes = new List<double>();
        var gate = new List<double>();
        EvaluationReport? report = null;
        long? referencePeak = null;
        for (var run = 0; run < runs; run++)
        {
            referenceTimes.Add(Time(reference));
            referencePeak ??= Process.GetCurrentProcess().PeakWorkingSet64;
            gate.Add(Time(() => report = engine.Evaluate(request)));
        }
        var errors = report!.Findings.Where(f => f.Outcome == Outcome.Error).ToList();
        if (errors.Count > 0)
        {
            errors.ForEach(e => Console.Error.WriteLine(e.Finding.Message));
            return 1;
        }
        var (referenceMedian, gateMedian) = (Median(referenceTimes), Median(gate));
        var peak = Process.GetCurrentProcess().PeakWorkingSet64;
        var quarantined = File.ReadAllLines(Path.Combine(repo, "quarantine.csv")).Skip(1).Select(l => int.Parse(l[..l.IndexOf(',')], CultureInfo.InvariantCulture)).ToHashSet();
        var hits = flipped.Count(quarantined.Contains);
        Console.WriteLine($"{title}, {Environment.ProcessorCount} cores, {runs} alternating runs");
        Console.WriteLine($"  reference (stream-read both datasets): median {referenceMedian:0.00} s, peak working set {referencePeak / 1048576.0:0} MiB");
        Console.WriteLine($"  gate (all checks, quarantine written): median {gateMedian:0.00} s, peak working set {peak / 1048576.0:0} MiB");
        Console.WriteLine($"  ratio gate / reference: time {gateMedian / referenceMedian:0.0}, peak memory {(double)peak / referencePeak!.Value:0.0}{memoryNote}");
        Console.WriteLine($"  quarantine: {quarantined.Count} rows, precision {(double)hits / quarantined.Count:0.000}, recall {(double)hits / flipped.Count:0.000}");
        foreach (var finding in report.Findings.Where(f => f.Finding.Subject.StartsWith("label-consistency", StringComparison.Ordinal) || alsoShow(f.Finding.Subject)))
            Console.WriteLine($"  {finding.Outcome.ToString().ToLowerInvariant()} {finding.Finding.Subject}: {finding.Finding.Message}");
        return 0;
    }

    private static string Policy(string repo) => $"""
        apiVersion: secmlops.gates/v1
        kind: GatePolicy
        metadata:
          name: bench
          version: 1.0.0
          owners: [bench]
        spec:
          datasets:
            training:
              path: train-images-idx3-ubyte.gz
              labels: train-labels-idx1-ubyte.gz
              format: idx
            golden:
              path: t10k-images-idx3-ubyte.gz
              labels: t10k-labels-idx1-ubyte.gz
              format: idx
              sha256: {FileDigest.Sha256(Path.Combine(repo, "t10k-images-idx3-ubyte.gz"))}
              labelsSha256: {FileDigest.Sha256(Path.Combine(repo, "t10k-labels-idx1-ubyte.gz"))}
          rules:
            - id: BENCH-POISON
              kind: poisoning
              enforcement: hard-mandatory
              severity: high
              settings:
                quarantine: quarantine.csv
        """;

    /// <summary>Copies the labels with 10 % of them flipped to another class at random (seed 0); returns the flipped rows.</summary>
    private static IReadOnlyList<int> WriteFlippedLabels(string source, string target)
    {
        byte[] bytes;
        using (var input = new GZipStream(File.OpenRead(source), CompressionMode.Decompress))
        using (var memory = new MemoryStream())
        {
            input.CopyTo(memory);
            bytes = memory.ToArray();
        }
        const int header = 8;
        var rows = bytes.Length - header;
        var random = new Random(0);
        var flipped = Enumerable.Range(0, rows).OrderBy(_ => random.Next()).Take(rows / 10).ToList();
        foreach (var row in flipped)
            bytes[header + row] = (byte)((bytes[header + row] + 1 + random.Next(9)) % 10);
        using var output = new GZipStream(File.Create(target), CompressionLevel.Optimal);
        output.Write(bytes);
        return flipped;
    }

    private static void ReadBoth(string repo)
    {
        foreach (var (images, labels) in new[] { ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"), ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz") })
        {
            var checksum = 0.0;
            foreach (var batch in new IdxDatasetReader(Path.Combine(repo, images), Path.Combine(repo, labels)).ReadBatches(4096))
                checksum += batch.Features[0];
            GC.KeepAlive(checksum);
        }
    }

    internal static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
    }

    internal static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
