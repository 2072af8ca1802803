using Newtonsoft.Json.Linq;
using NJsonSchema;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Policies;

/// <summary>
/// Everything about a gate that the engine, the policy schema, <c>validate</c>, the diff, SARIF and
/// the docs read, declared once: its kind, its words, its settings schema (with defaults and which
/// way each setting is stricter) and the document kinds it owns.
/// </summary>
public sealed record GateDescriptor(string Kind, string Title, string Description, JObject SettingsSchema)
{
    /// <summary>Document kinds this gate reads besides policies (e.g. ThreatModel), validated by <c>validate</c>.</summary>
    public IReadOnlyList<DocumentKind> Documents { get; init; } = [];

    /// <summary>
    /// The gate takes other rules' results as evidence (<see cref="GateContext.StandingOf"/>): its rules run
    /// after every other rule, and its own rules can never be evidence.
    /// </summary>
    public bool JudgesOtherRules { get; init; }

    /// <summary>
    /// The gate's result depends only on the tool, its policy and the files it reads and records: no
    /// clock, no other rule, no network. Its results may be kept by the verdict cache.
    /// </summary>
    public bool Cacheable { get; init; }

    /// <summary>
    /// The gate loads and runs the candidate model (code the pull request brings): the CLI runs its
    /// rules in a separate process confined to reading the repository and the tool, writing nothing.
    /// </summary>
    public bool RunsModelCode { get; init; }

    /// <summary>
    /// The gate can split its samples (<c>evaluate --shard I/N</c>): each shard evaluates its part and
    /// returns it (<see cref="GateResult.Part"/>), and <see cref="IGate.Merge"/> combines the parts into
    /// exactly what one run gives. Other gates run whole in shard 1, or at the merge when they judge
    /// other rules.
    /// </summary>
    public bool Shardable { get; init; }

    /// <summary>The definition the settings schema gets in the policy schema, e.g. strideCoverageSettings.</summary>
    public string SettingsDefinition => string.Concat(Kind.Split('-').Select((part, i) => i == 0 ? part : char.ToUpperInvariant(part[0]) + part[1..])) + "Settings";

    /// <summary>The errors only this gate reports, each with its own SMG id, beside the engine's (see <see cref="EngineRules.All"/>).</summary>
    public IReadOnlyList<RuleDescriptor> Diagnostics { get; init; } = [];

    /// <summary>The model formats the gate loads (<c>spec.model.format</c>); the registry offers every registered gate's.</summary>
    public IReadOnlyList<ModelFileFormat> ModelFormats { get; init; } = [];

    /// <summary>The dataset formats only this gate reads; the registry adds them to the catalogue it is given.</summary>
    public IReadOnlyList<DatasetFormat> DatasetFormats { get; init; } = [];

    /// <summary>The page that documents the rule kind, relative to the repository.</summary>
    public string HelpPath => $"docs/rules/{Kind}.md";

    /// <summary>Reads the settings schema embedded next to a gate, named &lt;kind&gt;.settings.schema.json.</summary>
    public static JObject EmbeddedSettingsSchema(Type gate, string kind)
    {
        var name = $"{kind}.settings.schema.json";
        var resource = gate.Assembly.GetManifestResourceNames().SingleOrDefault(n => n.EndsWith("." + name, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"{gate.Name} has no embedded {name}");
        using var stream = gate.Assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return JObject.Parse(reader.ReadToEnd());
    }
}

/// <summary>
/// A document kind a gate owns: its schema, the checks <c>validate</c> runs on it beyond the schema
/// (references, dates), and how <c>diff</c> judges two revisions of it (every field that differs
/// reported as a weakening, a strengthening or neutral). <paramref name="Loosens"/>: the document
/// lets failures pass (a baseline), so adding one weakens the gate and removing it strengthens.
/// </summary>
public sealed record DocumentKind(string Name, JsonSchema Schema, Func<SourceDocument, IReadOnlyList<Finding>> Validate, DocumentComparer Compare, bool Loosens = false);

/// <summary>Reports into <paramref name="log"/> every change from <paramref name="before"/> to <paramref name="after"/>, both valid documents of one kind.</summary>
public delegate void DocumentComparer(ChangeLog log, SourceDocument before, SourceDocument after, PolicySchema schema);
