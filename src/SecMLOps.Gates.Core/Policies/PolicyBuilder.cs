using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Policies;

/// <summary>Builds the typed policy from a schema-valid document and collects the checks a schema cannot express.</summary>
internal sealed class PolicyBuilder(SourceDocument document, string fullPath, RepositoryRoot root, DateOnly today)
{
    private readonly string _directory = Path.GetDirectoryName(fullPath)!;

    public List<Finding> Errors { get; } = [];

    public GatePolicy Build()
    {
        var metadata = document.Root["metadata"]!;
        var spec = document.Root["spec"]!;
        var rules = ((JArray)spec["rules"]!).Select(BuildRule).ToList();
        var datasets = spec["datasets"] is JObject named
            ? named.Properties().Select(p => BuildDataset(p.Name, (JObject)p.Value)).ToDictionary(d => d.Name)
            : new Dictionary<string, DatasetSpec>();
        var waivers = spec["waivers"] is JArray list ? list.Select(BuildWaiver).ToList() : [];

        CheckRuleIdsUnique(rules);
        CheckWaivers(waivers, rules);

        return new GatePolicy(document, fullPath,
            (string)metadata["name"]!, (string)metadata["version"]!, metadata["owners"]!.Values<string>().ToList()!,
            spec["model"] is JObject model ? BuildModel(model) : null,
            datasets, rules, waivers);
    }

    private PolicyRule BuildRule(JToken rule) => new(
        (string)rule["id"]!,
        (string)rule["kind"]!,
        ParseEnforcement((string)rule["enforcement"]!),
        Enum.Parse<Severity>((string)rule["severity"]!, ignoreCase: true),
        (string?)rule["description"],
        rule["settings"] as JObject ?? new JObject(),
        document.LocationOf(rule["id"]!.Parent!));

    private static Enforcement ParseEnforcement(string text) => text switch
    {
        "advisory" => Enforcement.Advisory,
        "soft-mandatory" => Enforcement.SoftMandatory,
        _ => Enforcement.HardMandatory,
    };

    private ModelSpec BuildModel(JObject model)
    {
        var range = model["valueRange"] is JArray r ? ((double)r[0], (double)r[1]) : ((double, double)?)null;
        if (range is { } bounds && bounds.Item1 >= bounds.Item2)
            Error(EngineRules.SchemaViolation, "valueRange must be [min, max] with min < max", model["valueRange"]!);
        (IReadOnlyList<double>, IReadOnlyList<double>)? normalization = model["normalization"] is JObject n
            ? (n["mean"]!.Values<double>().ToList(), n["std"]!.Values<double>().ToList())
            : null;
        if (normalization is { } norm && norm.Item1.Count != norm.Item2.Count)
            Error(EngineRules.SchemaViolation, "normalization mean and std must have the same length", model["normalization"]!);
        return new ModelSpec(
            ResolvePath(model["path"]!),
            (string)model["format"]!,
            model["inputShape"]?.Values<int>().ToList(),
            (string?)model["inputLayout"],
            range, normalization,
            model["baseline"] is JObject baseline
                ? new ModelFileSpec(ResolvePath(baseline["path"]!), (string)baseline["format"]!, document.LocationOf(baseline))
                : null,
            document.LocationOf(model));
    }

    private DatasetSpec BuildDataset(string name, JObject dataset) => new(
        name,
        ResolvePath(dataset["path"]!),
        (string)dataset["format"]!,
        dataset["labels"] is { } labels ? ResolvePath(labels) : null,
        (string?)dataset["sha256"],
        (string?)dataset["labelsSha256"],
        (int?)dataset["labelColumn"] ?? -1,
        (string?)dataset["featuresArray"] ?? "x",
        (string?)dataset["labelsArray"] ?? "y",
        dataset["valueRange"] is JArray range ? ((double)range[0], (double)range[1]) : null,
        (string?)dataset["layout"] ?? ((string)dataset["format"]! == "image-folder" ? "HWC" : null),
        (int?)dataset["channels"] ?? 3,
        document.LocationOf(dataset));

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
        return new Waiver((string)waiver["rule"]!, (string)waiver["owner"]!, (string)waiver["reason"]!, (string?)waiver["ticket"], expires, location);
    }

    private void CheckRuleIdsUnique(IReadOnlyList<PolicyRule> rules)
    {
        foreach (var duplicate in rules.GroupBy(r => r.Id).Where(g => g.Count() > 1))
            foreach (var rule in duplicate.Skip(1))
                Errors.Add(Finding.Error(EngineRules.PolicyInconsistent.Id, rule.Id,
                    $"rule id {rule.Id} is declared more than once (first at line {duplicate.First().Location.Line})", rule.Location));
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
    }

    private string ResolvePath(JToken path)
    {
        try
        {
            return root.Resolve(_directory, (string)path!, document.LocationOf(path));
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
