using System.Globalization;
using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>A scratch repository with a model, an evaluation set and a robustness policy over them.</summary>
internal sealed class RobustnessScenario : IDisposable
{
    private readonly ScratchRepository _repo = new();

    public string Full(string path) => _repo.Full(path);

    public void CopyFixture(string fixturePath, string target) => File.Copy(RepositoryLayout.Fixture(fixturePath.Split('/')), Full(target), overwrite: true);

    /// <summary>Writes rows as CSV (label last).</summary>
    public void WriteCsv(string path, IEnumerable<(float[] Features, int Label)> rows) =>
        _repo.Write(path, string.Join('\n', rows.Select(r => string.Join(',', r.Features.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "," + r.Label)) + "\n");

    /// <param name="registry">The gates to evaluate with; null: those the tool ships.</param>
    public EvaluationReport Evaluate(string model, string dataset, string settings, GateRegistry? registry = null)
    {
        var policy = $"""
            apiVersion: secmlops.gates/v1
            kind: GatePolicy
            metadata:
              name: robustness-test
              version: 1.0.0
              owners: [ml-team]
            spec:
              model: {model}
              datasets:
                eval: {dataset}
              rules:
                - id: ROB-1
                  kind: robustness
                  enforcement: hard-mandatory
                  severity: high
                  settings:
            {settings}
            """;
        var path = _repo.Write("policy.yaml", policy);
        return new GateEngine(registry ?? BuiltInGates.Registry).Evaluate(new EvaluationRequest([path], _repo.Root, Support.Policies.Today));
    }

    public static double Property(EvaluationReport report, string subject, string name) =>
        Convert.ToDouble(Assert.Single(report.Findings, f => f.Finding.Subject == subject).Finding.Properties![name], CultureInfo.InvariantCulture);

    public void Dispose() => _repo.Dispose();
}
