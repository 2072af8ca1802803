using SecMLOps.Gates.Gates.Poisoning;
using SecMLOps.Gates.Gates.StrideCoverage;

namespace SecMLOps.Gates.Engine;

/// <summary>The gates, registered in one explicit list. A kind missing here is an error when a rule uses it.</summary>
public sealed class GateRegistry
{
    private readonly Dictionary<string, IGate> _byKind;

    public GateRegistry(IEnumerable<IGate> gates)
    {
        _byKind = new Dictionary<string, IGate>(StringComparer.Ordinal);
        foreach (var gate in gates)
        {
            if (!_byKind.TryAdd(gate.Kind, gate))
                throw new ArgumentException($"two gates claim the rule kind '{gate.Kind}'", nameof(gates));
        }
    }

    public static GateRegistry Default { get; } = new([
        new StrideCoverageGate(),
        new PoisoningGate(),
    ]);

    public IReadOnlyCollection<IGate> All => _byKind.Values;

    public IGate? Find(string kind) => _byKind.GetValueOrDefault(kind);
}
