using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Policies;

/// <summary>What binding a policy's rules shares: the document, the declared model and datasets, and where problems go.</summary>
internal sealed class BindingScope(SourceDocument document, string directory, RepositoryRoot root, PolicySchema schema,
    ModelSpec? model, IReadOnlyDictionary<string, DatasetSpec> datasets, DateOnly today)
{
    public SourceDocument Document => document;
    public string Directory => directory;
    public RepositoryRoot Root => root;
    public PolicySchema Schema => schema;
    public ModelSpec? Model => model;
    public IReadOnlyDictionary<string, DatasetSpec> Datasets => datasets;
    public DateOnly Today => today;
    public List<Finding> Errors { get; } = [];
}

/// <summary>
/// Binds one rule's settings to a gate's typed settings when the policy loads. Values missing from
/// the policy take the default their schema declares (so defaults are written once, in the schema);
/// paths are resolved, checked and recorded as inputs or outputs; names of datasets are looked up;
/// regular expressions are compiled. Every problem is recorded with the line and column of the
/// setting, so <c>validate</c> reports what <c>evaluate</c> would otherwise stop on.
/// </summary>
public sealed class SettingsBinder
{
    private readonly BindingScope _scope;
    private readonly JObject _node;
    private readonly JObject _schema;
    private readonly SourceLocation _location;
    private readonly string _ruleId;
    private readonly List<string> _inputs;
    private readonly List<(string Path, SourceLocation At)> _outputs;
    private readonly int _errorsAtStart;

    internal SettingsBinder(BindingScope scope, string ruleId, JObject node, JObject schema, SourceLocation location)
        : this(scope, ruleId, node, schema, location, [], [], scope.Errors.Count)
    {
    }

    private SettingsBinder(BindingScope scope, string ruleId, JObject node, JObject schema, SourceLocation location, List<string> inputs, List<(string, SourceLocation)> outputs, int errorsAtStart)
    {
        (_scope, _ruleId, _node, _schema, _location, _inputs, _outputs, _errorsAtStart) = (scope, ruleId, node, scope.Schema.Resolve(schema), location, inputs, outputs, errorsAtStart);
    }

    public string RuleId => _ruleId;

    /// <summary>The settings node (or nested object) this binder reads.</summary>
    public JObject Node => _node;

    /// <summary>Where this node is declared (for an absent nested object: where its parent is).</summary>
    public SourceLocation Location => _location;

    public SourceDocument Document => _scope.Document;

    public RepositoryRoot Root => _scope.Root;

    /// <summary>The date waivers, acceptances and ages are judged against.</summary>
    public DateOnly Today => _scope.Today;

    public IReadOnlyDictionary<string, DatasetSpec> Datasets => _scope.Datasets;

    /// <summary>Files the rule reads, for incremental builds; the engine also keeps outputs off them.</summary>
    public IReadOnlyList<string> Inputs => _inputs;

    internal IReadOnlyList<(string Path, SourceLocation At)> Outputs => _outputs;

    /// <summary>Whether binding this rule has recorded a problem.</summary>
    public bool HasErrors => _scope.Errors.Count > _errorsAtStart;

    public SourceLocation At(JToken token) => _scope.Document.LocationOf(token) is { Line: > 0 } located ? located : _location;

    public JToken? this[string key] => _node[key];

    public bool Has(string key) => _node[key] is not null;

    public double Number(string key) => (double)Value(key);

    public double? OptionalNumber(string key) => (double?)OptionalValue(key);

    public int Integer(string key) => ToInteger(key, Value(key));

    public int? OptionalInteger(string key) => OptionalValue(key) is { } value ? ToInteger(key, value) : null;

    public bool Boolean(string key) => (bool)Value(key);

    public string Text(string key) => (string)Value(key)!;

    public string? OptionalText(string key) => (string?)OptionalValue(key);

    public IReadOnlyList<double> Numbers(string key) => Value(key).Values<double>().ToList();

    public IReadOnlyList<string> Texts(string key) => OptionalValue(key)?.Values<string>().Select(s => s!).ToList() ?? [];

    /// <summary>A nested object; when the policy leaves it out, a binder over nothing, whose values are the schema's defaults.</summary>
    public SettingsBinder Child(string key) =>
        new(_scope, _ruleId, _node[key] as JObject ?? [], PropertySchema(key), _node[key] is { } present ? At(present) : _location, _inputs, _outputs, _errorsAtStart);

    /// <summary>One binder per entry of a list of objects.</summary>
    public IReadOnlyList<SettingsBinder> Items(string key)
    {
        var itemSchema = PropertySchema(key)["items"] as JObject ?? [];
        return (_node[key] as JArray ?? []).OfType<JObject>().Select(item => new SettingsBinder(_scope, _ruleId, item, itemSchema, At(item), _inputs, _outputs, _errorsAtStart)).ToList();
    }

    /// <summary>Resolves a file the rule reads (relative to the policy); null, with an error at the setting, when it is not an existing file.</summary>
    public string? InputFile(string key, string what) => _node[key] is { } token ? InputFile(token, what) : null;

    public string? InputFile(JToken token, string what) => InputPath(token, (string)token!, what, folder: false);

    /// <summary>An input file whose path is derived (e.g. a bundle beside its artifact): errors point at <paramref name="declaredAt"/>.</summary>
    public string? InputFile(JToken declaredAt, string relativePath, string what) => InputPath(declaredAt, relativePath, what, folder: false);

    public string? InputFolder(string key, string what) => _node[key] is { } token ? InputPath(token, (string)token!, what, folder: true) : null;

    /// <summary>Resolves a file the rule writes; the engine refuses it when it is an input, a tracked file or under .git.</summary>
    public string? OutputFile(string key, string what)
    {
        if (_node[key] is not { } token)
            return null;
        var at = At(token);
        if (!Resolved(() => _scope.Root.Resolve(_scope.Directory, (string)token!, at), out var full))
            return null;
        if (Directory.Exists(full))
        {
            Error(EngineRules.OutputRefused, $"{what} '{token}' names an existing folder; name a file", token);
            return null;
        }
        _outputs.Add((full, at));
        return full;
    }

    /// <summary>
    /// The dataset a setting names, from spec.datasets. With <paramref name="labelledSamples"/> (the
    /// classifier gates) a dataset of a format that holds none (detection annotations) is an error at the setting.
    /// </summary>
    public DatasetSpec? Dataset(string key, bool labelledSamples = true)
    {
        var token = _node[key];
        var name = (string?)OptionalValue(key);
        if (name is null)
            return null;
        if (_scope.Datasets.TryGetValue(name, out var dataset))
        {
            if (labelledSamples && dataset.Format is { Open: null } format)
            {
                Error(EngineRules.PolicyInconsistent, $"dataset {name} holds {format.Name}, not the labelled samples rule {_ruleId} reads", token);
                return null;
            }
            return dataset;
        }
        Error(EngineRules.PolicyInconsistent, $"rule {_ruleId} names dataset '{name}', which spec.datasets does not declare" +
            (_scope.Datasets.Count > 0 ? $" (declared: {string.Join(", ", _scope.Datasets.Keys.Order(StringComparer.Ordinal))})" : ""), token);
        return null;
    }

    /// <summary>The policy's spec.model, which this rule needs; an error at the rule when the policy has none.</summary>
    public ModelSpec? Model(string why)
    {
        if (_scope.Model is null)
            Error(EngineRules.PolicyInconsistent, $"rule {_ruleId} {why} but the policy has no spec.model", null);
        return _scope.Model;
    }

    /// <summary>A regular expression the whole value must match; an error at the setting when it does not compile.</summary>
    public Regex? Pattern(JToken token)
    {
        try
        {
            return new Regex($"^(?:{(string)token!})$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            Error(EngineRules.SchemaViolation, $"'{token}' is not a valid regular expression: {e.Message}", token);
            return null;
        }
    }

    /// <summary>Runs a reader of an input (a threat model, a trusted root) and records its input error instead of throwing.</summary>
    public T? Read<T>(Func<T?> read) where T : class
    {
        try
        {
            return read();
        }
        catch (GateInputException e)
        {
            _scope.Errors.Add(e.ToFinding(_ruleId));
            return null;
        }
    }

    public void Error(RuleDescriptor rule, string message, JToken? at) =>
        _scope.Errors.Add(Finding.Error(rule.Id, _ruleId, message, at is null ? _location : At(at)));

    public void Errors(IEnumerable<Finding> errors) => _scope.Errors.AddRange(errors);

    /// <summary>Records a file read by a check the binder did not resolve (e.g. the files of a signed model folder).</summary>
    public void RecordInput(string fullPath) => _inputs.Add(fullPath);

    /// <summary>The schema says "integer", which has no bounds; a value past what the setting holds is an error at it, not a crash.</summary>
    private int ToInteger(string key, JToken value)
    {
        try
        {
            return checked((int)(long)value);
        }
        catch (OverflowException)
        {
            Error(EngineRules.SchemaViolation, $"{key} is {value}, outside the whole numbers this setting can hold ({int.MinValue} to {int.MaxValue})", value);
            return 0;
        }
    }

    private JToken Value(string key) => OptionalValue(key)
        ?? throw new InvalidOperationException($"setting {key} has neither a value nor a schema default; the gate's schema must require it or declare its default");

    private JToken? OptionalValue(string key) => _node[key] is { Type: not JTokenType.Null } value ? value : PropertySchema(key)["default"];

    private JObject PropertySchema(string key) =>
        _schema["properties"]?[key] is JObject property ? _scope.Schema.Resolve(property)
        : throw new InvalidOperationException($"setting {key} is not in the gate's settings schema");

    /// <summary>Runs a path's resolution; a refused path becomes an error of the rule.</summary>
    private bool Resolved<T>(Func<T> resolve, out T value)
    {
        try
        {
            value = resolve();
            return true;
        }
        catch (GateInputException e)
        {
            _scope.Errors.Add(e.ToFinding(_ruleId));
            value = default!;
            return false;
        }
    }

    private string? InputPath(JToken token, string relativePath, string what, bool folder)
    {
        if (!Resolved(() => _scope.Root.ResolveInput(_scope.Directory, relativePath, At(token), folder), out var input))
            return null;
        var (full, problem) = input;
        if (problem is not null)
        {
            Error(EngineRules.InputMissing, $"{what} '{relativePath}' {problem}", token);
            return null;
        }
        _inputs.Add(full);
        return full;
    }
}
