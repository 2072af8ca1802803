using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Engine;

/// <summary>
/// Builds the typed policy from a schema-valid document and runs the checks a schema cannot
/// express: paths exist and are files, dataset formats get only their own keys and open, dates are
/// real, waivers name soft-mandatory rules, and each gate binds its rules' settings.
/// </summary>
internal sealed class PolicyBuilder(SourceDocument document, string fullPath, RepositoryRoot root, GateRegistry gates, DateOnly today)
{
    private readonly string _directory = Path.GetDirectoryName(fullPath)!;

    public List<Finding> Errors { get; } = [];

    public GatePolicy Build()
    {
        var metadata = document.Root["metadata"]!;
        var spec = document.Root["spec"]!;
        var model = spec["model"] is JObject m ? BuildModel(m) : null;
        var datasets = spec["datasets"] is JObject named
            ? named.Properties().Select(p => BuildDataset(p.Name, (JObject)p.Value)).ToDictionary(d => d.Name)
            : new Dictionary<string, DatasetSpec>();
        var waivers = spec["waivers"] is JArray list ? list.Select(BuildWaiver).ToList() : [];
        var scope = new BindingScope(document, _directory, root, gates.Schema, model, datasets, today);
        var rules = ((JArray)spec["rules"]!).Select(r => BuildRule((JObject)r, scope)).ToList();
        Errors.AddRange(scope.Errors);

        Errors.AddRange(new RuleIds().Declare(document.Path, rules));
        CheckWaivers(waivers, rules);

        return new GatePolicy(document, fullPath,
            (string)metadata["name"]!, (string)metadata["version"]!, metadata["owners"]!.Values<string>().ToList()!,
            model, datasets, rules, waivers);
    }

    private PolicyRule BuildRule(JObject rule, BindingScope scope)
    {
        var id = (string)rule["id"]!;
        var kind = (string)rule["kind"]!;
        var raw = rule["settings"] as JObject ?? [];
        var gate = gates.Find(kind)!;
        var location = document.LocationOf(rule);
        var binder = new SettingsBinder(scope, id, raw, gate.Descriptor.SettingsSchema, rule["settings"] is { } s ? document.LocationOf(s) : location);
        var errorsBefore = scope.Errors.Count;
        var settings = gate.Bind(binder);
        if (settings is null && scope.Errors.Count == errorsBefore)
            scope.Errors.Add(Finding.Error(EngineRules.GateCrashed.Id, id, $"the {kind} gate bound no settings for rule {id} and said nothing why; this is a defect of the tool", location));
        return new PolicyRule(
            id,
            kind,
            Enforcements.Words.Parse((string)rule["enforcement"]!),
            Severities.Words.Parse((string)rule["severity"]!),
            (string?)rule["description"],
            settings ?? new object(),
            binder.Inputs.Distinct().ToList(),
            binder.Outputs.Select(o => new DeclaredOutput(o.Path, o.At)).ToList(),
            location);
    }

    private ModelSpec BuildModel(JObject model)
    {
        var range = model["valueRange"] is JArray r ? ((double)r[0], (double)r[1]) : ((double, double)?)null;
        if (range is { } bounds && !(bounds.Item1 < bounds.Item2 && double.IsFinite(bounds.Item1) && double.IsFinite(bounds.Item2)))
            Error(EngineRules.SchemaViolation, "valueRange must be [min, max] with finite min < max", model["valueRange"]!);
        (IReadOnlyList<double>, IReadOnlyList<double>)? normalization = model["normalization"] is JObject n
            ? (n["mean"]!.Values<double>().ToList(), n["std"]!.Values<double>().ToList())
            : null;
        if (normalization is { } norm && norm.Item1.Count != norm.Item2.Count)
            Error(EngineRules.SchemaViolation, "normalization mean and std must have the same length", model["normalization"]!);
        return new ModelSpec(
            ExistingPath(model["path"]!, "model", folder: false),
            (string)model["format"]!,
            model["inputShape"]?.Values<int>().ToList(),
            (string?)model["inputLayout"],
            range, normalization,
            model["baseline"] is JObject baseline
                ? new ModelFileSpec(ExistingPath(baseline["path"]!, "baseline model", folder: false), (string)baseline["format"]!, document.LocationOf(baseline))
                : null,
            document.LocationOf(model));
    }

    private DatasetSpec BuildDataset(string name, JObject dataset)
    {
        var format = gates.DatasetFormats.Find((string)dataset["format"]!)!;
        var ownKeys = format.Keys.Properties().Select(p => p.Name).ToList();
        var errorsBefore = Errors.Count;
        foreach (var property in dataset.Properties())
        {
            if (!DatasetFormatCatalogue.CommonKeys.Contains(property.Name) && !ownKeys.Contains(property.Name))
                Error(EngineRules.SchemaViolation, $"dataset {name}: '{property.Name}' does not apply to the {format.Name} format (it takes {string.Join(", ", DatasetFormatCatalogue.CommonKeys.Concat(ownKeys))})", property);
        }
        foreach (var key in format.Required.Where(k => dataset[k] is null))
            Error(EngineRules.SchemaViolation, $"dataset {name}: the {format.Name} format needs '{key}', {((string?)format.Keys[key]?["description"])?.TrimEnd('.')}", dataset);
        if (dataset["valueRange"] is JArray range && !((double)range[0] < (double)range[1] && double.IsFinite((double)range[0]) && double.IsFinite((double)range[1])))
            Error(EngineRules.SchemaViolation, $"dataset {name}: valueRange must be [min, max] with finite min < max", range);
        // Keys that name files are resolved (and confined to the repository) here; the others reach the reader as given, or at their default.
        var options = new JObject();
        foreach (var key in format.Keys.Properties().Where(p => !DatasetFormat.NamesPath(p.Value)))
        {
            if ((dataset[key.Name] ?? key.Value["default"]) is { } value)
                options[key.Name] = value.DeepClone();
        }
        var named = format.PathKeys.Where(k => dataset[k] is not null).ToDictionary(k => k,
            k => new DatasetFile(ExistingPath(dataset[k]!, $"dataset {name}: {k}", format.NamesFolder(k)), (string?)dataset[DatasetFormat.PinKey(k)]));
        var spec = new DatasetSpec(
            name,
            ExistingPath(dataset["path"]!, $"dataset {name}", format.Folder),
            format,
            (string?)dataset["sha256"],
            dataset["valueRange"] is JArray r ? ((double)r[0], (double)r[1]) : null,
            (string?)dataset["layout"] ?? format.Layout,
            document.LocationOf(dataset),
            options,
            named);
        if (Errors.Count == errorsBefore && format.Open is not null)
        {
            // The headers are read now (cheaply), so that a file of the wrong format is reported by validate.
            try
            {
                _ = DatasetReaders.Open(spec);
            }
            catch (GateInputException e)
            {
                Errors.Add(e.ToFinding(name));
            }
        }
        return spec;
    }

    private const int DefaultMaxWaiverDays = 365;

    private int MaxWaiverDays => (int?)document.Root["spec"]?["maxWaiverDays"] ?? DefaultMaxWaiverDays;

    private Waiver BuildWaiver(JToken waiver)
    {
        var location = document.LocationOf(waiver);
        if (!DateOnly.TryParseExact((string)waiver["expires"]!, "yyyy-MM-dd", out var expires))
        {
            Error(EngineRules.SchemaViolation, $"expires '{waiver["expires"]}' is not a calendar date (YYYY-MM-DD)", waiver["expires"]!);
            expires = DateOnly.MinValue;
        }
        else if (expires < today)
        {
            Error(EngineRules.WaiverExpired, $"the waiver for {waiver["rule"]} (owner {waiver["owner"]}) expired on {expires:yyyy-MM-dd}; renew or remove it", waiver["expires"]!);
        }
        else if (expires.DayNumber - today.DayNumber > MaxWaiverDays)
        {
            // A waiver to 9999-12-31 is a rule switched off for good: it must be reviewed again within the policy's limit.
            Error(EngineRules.PolicyInconsistent, $"the waiver for {waiver["rule"]} runs until {expires:yyyy-MM-dd}, {expires.DayNumber - today.DayNumber} days from {today:yyyy-MM-dd}; " +
                $"a waiver may run at most {MaxWaiverDays} days (spec.maxWaiverDays, default {DefaultMaxWaiverDays})", waiver["expires"]!);
        }
        return new Waiver((string)waiver["rule"]!, (string)waiver["owner"]!, (string)waiver["reason"]!, (string?)waiver["ticket"], expires, location);
    }

    private void CheckWaivers(IReadOnlyList<Waiver> waivers, IReadOnlyList<PolicyRule> rules)
    {
        foreach (var waiver in waivers)
        {
            var rule = rules.FirstOrDefault(r => r.Id == waiver.RuleId);
            if (rule is null)
                Errors.Add(Finding.Error(EngineRules.PolicyInconsistent.Id, waiver.RuleId, $"the waiver names rule {waiver.RuleId}, which this policy does not declare", waiver.Location));
            else if (rule.Enforcement == Enforcement.HardMandatory)
                Errors.Add(Finding.Error(EngineRules.PolicyInconsistent.Id, waiver.RuleId, $"rule {waiver.RuleId} is hard-mandatory and cannot be waived", waiver.Location));
        }
        foreach (var duplicate in waivers.GroupBy(w => w.RuleId).Where(g => g.Count() > 1))
            foreach (var waiver in duplicate.Skip(1))
                Errors.Add(Finding.Error(EngineRules.PolicyInconsistent.Id, waiver.RuleId, $"rule {waiver.RuleId} has more than one waiver; keep one", waiver.Location));
    }

    /// <summary>A path the policy declares: inside the repository, and an existing file (or folder, where one is expected).</summary>
    private string ExistingPath(JToken path, string what, bool folder)
    {
        try
        {
            var (full, problem) = root.ResolveInput(_directory, (string)path!, document.LocationOf(path), folder);
            if (problem is not null)
                Error(EngineRules.InputMissing, $"{what} '{path}' {problem}", path);
            return full;
        }
        catch (GateInputException e)
        {
            Errors.Add(e.ToFinding((string)path!));
            return "";
        }
    }

    private void Error(RuleDescriptor rule, string message, JToken at) =>
        Errors.Add(Finding.Error(rule.Id, document.Path, message, document.LocationOf(at)));
}
