using System.Globalization;
using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Gates.Poisoning;

/// <summary>A scratch repository holding a training and a golden set, a poisoning policy over them, and its evaluation.</summary>
internal sealed class PoisoningScenario : IDisposable
{
    private readonly ScratchRepository _repo = new();

    public string Full(string path) => _repo.Full(path);

    public string Write(string path, string text) => _repo.Write(path, text);

    /// <summary>The sample's Fashion-MNIST sets (6000 training rows, 1000 golden), as committed in the repository.</summary>
    public static string SampleData(string file) => Path.Combine(RepositoryLayout.Root, "samples", "ModelService", "data", file);

    public void CopySample(string file, string target) => File.Copy(SampleData(file), Full(target), overwrite: true);

    public string Dataset(string name, string path, string format, string? labels = null, bool pin = true, string extra = "")
    {
        var lines = $"    {name}:\n      path: {path}\n      format: {format}\n";
        if (labels is not null) lines += $"      labels: {labels}\n";
        if (pin) lines += $"      sha256: {FileDigest.Sha256(Full(path))}\n";
        if (pin && labels is not null) lines += $"      labelsSha256: {FileDigest.Sha256(Full(labels))}\n";
        return lines + extra;
    }

    /// <summary>A spec.model block for a Fashion-MNIST classifier of the sample (a file under samples/ModelService/models), copied in.</summary>
    public string SampleModel(string file)
    {
        Directory.CreateDirectory(Full("models"));
        File.Copy(Path.Combine(RepositoryLayout.Root, "samples", "ModelService", "models", file), Full($"models/{file}"), overwrite: true);
        return $"  model:\n    path: models/{file}\n    format: onnx\n    inputShape: [1, 28, 28]\n    inputLayout: NCHW\n    valueRange: [0, 1]\n";
    }

    public EvaluationReport Evaluate(string datasets, string settings = "", string model = "")
    {
        var policy = $"""
            apiVersion: secmlops.gates/v1
            kind: GatePolicy
            metadata:
              name: data
              version: 1.0.0
              owners: [data-team]
            spec:
            {model}
              datasets:
            {datasets}
              rules:
                - id: POISON-1
                  kind: poisoning
                  enforcement: hard-mandatory
                  severity: critical
                  settings:
                    quarantine: quarantine.csv
            {settings}
            """;
        var path = _repo.Write("policy.yaml", policy);
        return new GateEngine(BuiltInGates.Registry).Evaluate(new EvaluationRequest([path], _repo.Root, Support.Policies.Today));
    }

    public static ReportedFinding Check(EvaluationReport report, string subject) =>
        Assert.Single(report.Findings, f => f.Finding.Subject == subject);

    /// <summary>The quarantined rows and their suggested labels.</summary>
    public IReadOnlyDictionary<int, int?> Quarantined() =>
        File.ReadAllLines(Full("quarantine.csv")).Skip(1).Select(l => l.Split(','))
            .ToDictionary(c => int.Parse(c[0], CultureInfo.InvariantCulture), c => c[2].Length > 0 ? int.Parse(c[2], CultureInfo.InvariantCulture) : (int?)null);

    public static (double Precision, double Recall) Detection(IReadOnlyCollection<int> flipped, IEnumerable<int> flagged)
    {
        var flaggedSet = flagged.ToHashSet();
        var hits = flipped.Count(flaggedSet.Contains);
        return (flaggedSet.Count == 0 ? 0 : (double)hits / flaggedSet.Count, (double)hits / flipped.Count);
    }

    public void Dispose() => _repo.Dispose();
}
