using System.Diagnostics;
using System.Globalization;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Poisoning;
using SecMLOps.Gates.Robustness.Learning;

namespace SecMLOps.Gates.Bench;

/// <summary>
/// The poisoning gate on a table at scale: the tabular sample's generator writes 60,000 training rows
/// (10 % of labels flipped at random) and a 9,000-row golden set, 24 columns on scales from 0.01 to
/// 1,000, as gzipped CSV. The reference, measured in the same process and alternated with the gate,
/// is one streamed read of both files (decompressing and parsing the CSV), as for the image benchmark.
/// Precision and recall are the quarantine's against the rows the generator flipped.
/// </summary>
internal static class TablePoisoningBench
{
    public static int Run(string[] args)
    {
        var runs = args.SkipWhile(a => a != "--runs").Skip(1).Select(int.Parse).FirstOrDefault(3);
        var rows = args.SkipWhile(a => a != "--rows").Skip(1).Select(int.Parse).FirstOrDefault(60_000);
        var generator = Path.GetFullPath(Path.Combine("samples", "Tabular", "data", "make-tables.py"));
        if (!File.Exists(generator))
        {
            Console.Error.WriteLine($"{generator} not found: run from the repository root (bench/run-bench.sh does)");
            return 2;
        }
        var repo = Path.Combine(Path.GetTempPath(), "secmlops-bench-tables-" + Environment.ProcessId);
        Directory.CreateDirectory(Path.Combine(repo, ".git"));
        try
        {
            var made = Process.Start(new ProcessStartInfo("/usr/bin/python3", [generator, "--training-rows", rows.ToString(CultureInfo.InvariantCulture), "--out", repo]))!;
            made.WaitForExit();
            if (made.ExitCode != 0)
                return made.ExitCode;
            var flipped = File.ReadAllLines(Path.Combine(repo, "poisoned-rows.csv")).Skip(1).Select(l => l.Split(','))
                .Where(c => c[0] == "random-flips").Select(c => int.Parse(c[1], CultureInfo.InvariantCulture)).ToList();
            var policy = Path.Combine(repo, "policy.yaml");
            File.WriteAllText(policy, Policy(repo));
            var engine = new GateEngine(new GateRegistry([new PoisoningGate(trainers: [new TorchLabelModelTrainer(), new BoostedTreesLabelModelTrainer()])]));
            return PoisoningBench.Measure($"poisoning gate on a table, {rows} x 24 training rows ({flipped.Count} labels flipped at random) vs {rows * 3 / 20} golden rows, boosted trees",
                repo, engine, policy, () => ReadBoth(repo), flipped, runs, "", _ => false);
        }
        finally
        {
            Directory.Delete(repo, recursive: true);
        }
    }

    private static string Policy(string repo) => $"""
        apiVersion: secmlops.gates/v1
        kind: GatePolicy
        metadata:
          name: bench-tables
          version: 1.0.0
          owners: [bench]
        spec:
          datasets:
            training:
              path: training-random-flips.csv.gz
              format: csv
              idColumn: 0
            golden:
              path: golden.csv.gz
              format: csv
              idColumn: 0
              sha256: {FileDigest.Sha256(Path.Combine(repo, "golden.csv.gz"))}
          rules:
            - id: BENCH-TABLES
              kind: poisoning
              enforcement: hard-mandatory
              severity: high
              settings:
                quarantine: quarantine.csv
                labelConsistency:
                  minExpectedPrecision: 0.85
        """;

    private static void ReadBoth(string repo)
    {
        foreach (var file in new[] { "training-random-flips.csv.gz", "golden.csv.gz" })
        {
            var checksum = 0.0;
            foreach (var batch in new CsvDatasetReader(Path.Combine(repo, file), -1, idColumn: 0).ReadBatches(4096))
                checksum += batch.Features[0];
            GC.KeepAlive(checksum);
        }
    }
}
