namespace SecMLOps.Gates.Engine;

/// <summary>Gates by rule kind. A kind missing here is an error when a rule uses it. The front ends use one explicit list, BuiltInGates.</summary>
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

    public IReadOnlyCollection<IGate> All => _byKind.Values;

    public IGate? Find(string kind) => _byKind.GetValueOrDefault(kind);
}
