using SecMLOps.Gates.Data;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Engine;

/// <summary>
/// The gates of one front end, by rule kind, from one explicit list (BuiltInGates in the CLI). The
/// policy schema's kinds and settings definitions, the document kinds <c>validate</c> knows and the
/// docs are all derived from it. A rule kind missing here is an error when a policy uses it.
/// </summary>
public sealed class GateRegistry
{
    public const string GatePolicyKind = "GatePolicy";

    private readonly Dictionary<string, IGate> _byKind = new(StringComparer.Ordinal);
    private readonly Lazy<PolicySchema> _schema;

    /// <param name="datasetFormats">The dataset formats its policies may declare besides those its gates declare; null: <see cref="DatasetFormatCatalogue.BuiltIn"/>.</param>
    public GateRegistry(IEnumerable<IGate> gates, DatasetFormatCatalogue? datasetFormats = null)
    {
        All = gates.ToList();
        // A format two gates declare is the same object; a name declared twice otherwise is refused by the catalogue.
        DatasetFormats = All.SelectMany(g => g.Descriptor.DatasetFormats).Distinct()
            .Aggregate(datasetFormats ?? DatasetFormatCatalogue.BuiltIn, (catalogue, format) => catalogue.With(format));
        foreach (var gate in All)
        {
            if (!_byKind.TryAdd(gate.Descriptor.Kind, gate))
                throw new ArgumentException($"two gates claim the rule kind '{gate.Descriptor.Kind}'", nameof(gates));
        }
        DocumentKinds = All.SelectMany(g => g.Descriptor.Documents)
            .Append(new DocumentKind(FindingBaseline.Kind, SchemaCatalog.Get(SchemaCatalog.Baseline), document => FindingBaseline.Read(document, DateOnly.FromDateTime(DateTime.UtcNow)).Errors, BaselineDiffer.Compare, Loosens: true))
            .ToList();
        if (DocumentKinds.Select(d => d.Name).Append(GatePolicyKind).GroupBy(n => n).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"the document kind '{twice.Key}' is claimed twice", nameof(gates));
        ModelFormats = All.SelectMany(g => g.Descriptor.ModelFormats).Distinct().ToList();
        if (ModelFormats.GroupBy(f => f.Name).FirstOrDefault(g => g.Count() > 1) is { } clashing)
            throw new ArgumentException($"the model format '{clashing.Key}' is declared twice, differently", nameof(gates));
        _schema = new Lazy<PolicySchema>(() => new PolicySchema(All.Select(g => g.Descriptor).ToList(), ModelFormats, DatasetFormats));
        Diagnostics = EngineRules.All.Concat(All.SelectMany(g => g.Descriptor.Diagnostics)).ToList();
        if (Diagnostics.GroupBy(d => d.Id).FirstOrDefault(g => g.Count() > 1) is { } clash)
            throw new ArgumentException($"the diagnostic id {clash.Key} is claimed twice", nameof(gates));
    }

    /// <summary>The engine's diagnostics, then each gate's own.</summary>
    public IReadOnlyList<RuleDescriptor> Diagnostics { get; }

    public RuleDescriptor Diagnostic(string id) =>
        Diagnostics.FirstOrDefault(d => d.Id == id) ?? throw new ArgumentException($"{id} is no diagnostic of the engine or of a registered gate", nameof(id));

    /// <summary>In registration order.</summary>
    public IReadOnlyList<IGate> All { get; }

    /// <summary>The document kinds besides GatePolicy: those the gates own (e.g. ThreatModel) and the engine's GateBaseline.</summary>
    public IReadOnlyList<DocumentKind> DocumentKinds { get; }

    public PolicySchema Schema => _schema.Value;

    /// <summary>The catalogue it was given, then the formats its gates declare.</summary>
    public DatasetFormatCatalogue DatasetFormats { get; }

    /// <summary>The model formats the registered gates load, each once (gates that share a catalogue declare the same formats).</summary>
    public IReadOnlyList<ModelFileFormat> ModelFormats { get; }

    /// <summary>The model format whose files end in <paramref name="extension"/> (case aside).</summary>
    public ModelFileFormat? ModelFormatByExtension(string extension) =>
        ModelFormats.FirstOrDefault(f => f.Extensions.Contains(extension.ToLowerInvariant()));

    public IGate? Find(string kind) => _byKind.GetValueOrDefault(kind);

    public DocumentKind? FindDocumentKind(string kind) => DocumentKinds.FirstOrDefault(d => d.Name == kind);
}
