using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Engine;

/// <summary>
/// Parse, then trust: reads a policy file, validates it against the policy schema (and each rule's
/// settings against its gate's definition), then builds the typed policy, which resolves and checks
/// every path and lets each gate bind its settings. Every problem is reported, each with its
/// file:line:col; a policy that loads is one <c>evaluate</c> will not stop on for bad input.
/// </summary>
public sealed class PolicyLoader(RepositoryRoot root, GateRegistry gates, DateOnly today)
{
    public PolicyLoadResult Load(string fullPath)
    {
        if (!root.Contains(fullPath))
            return PolicyLoadResult.Failed(Finding.Error(EngineRules.PathRefused.Id, fullPath,
                $"the policy file lies outside the repository root {root.FullPath}", new SourceLocation(fullPath, 0, 0)));
        var relative = root.Relative(fullPath);

        SourceDocument document;
        try
        {
            document = SourceDocument.Load(fullPath, relative);
        }
        catch (GateInputException e)
        {
            return PolicyLoadResult.Failed(e.ToFinding(relative));
        }

        var unknownKinds = UnknownKinds(document).ToList();
        var unknownKindLocations = unknownKinds.Select(f => f.Locations[0]).ToHashSet();
        var errors = SchemaValidator.Validate(document, gates.Schema.Compiled)
            .Where(e => !unknownKindLocations.Contains(e.Locations[0]))
            .Concat(unknownKinds)
            .ToList();
        foreach (var rule in Rules(document))
        {
            if (rule["kind"] is not JValue { Type: JTokenType.String } kind || gates.Find((string)kind!) is null)
                continue;
            var settings = rule["settings"] ?? new JObject();
            errors.AddRange(SchemaValidator.Validate(document, gates.Schema.SettingsOf((string)kind!), settings, RuleId(rule) ?? "", document.LocationOf(rule)));
        }
        if (errors.Count > 0)
            return PolicyLoadResult.Failed(errors.Distinct().ToArray());

        var builder = new PolicyBuilder(document, fullPath, root, gates, today);
        var policy = builder.Build();
        return builder.Errors.Count > 0 ? PolicyLoadResult.Failed(builder.Errors.ToArray()) : new PolicyLoadResult(policy, []);
    }

    /// <summary>The rules, before the schema has judged the document: any level may be a list or a scalar where a map belongs.</summary>
    private static IEnumerable<JObject> Rules(SourceDocument document) =>
        document.Root is JObject { } root && root["spec"] is JObject spec && spec["rules"] is JArray rules ? rules.OfType<JObject>() : [];

    /// <summary>Before the schema has judged the rule its id may be anything: a list or a map is no id.</summary>
    private static string? RuleId(JObject rule) => rule["id"] is JValue { Type: JTokenType.String } id ? (string?)id : null;

    /// <summary>A rule kind no registered gate handles is its own error, never a pass and never a generic schema message.</summary>
    private IEnumerable<Finding> UnknownKinds(SourceDocument document)
    {
        foreach (var rule in Rules(document))
        {
            if (rule["kind"] is JValue { Type: JTokenType.String } kind && gates.Find((string)kind!) is null)
                yield return Finding.Error(EngineRules.GateUnavailable.Id, RuleId(rule) ?? document.Path,
                    $"rule {RuleId(rule)} has kind '{kind}', for which no gate is built in this version (built: {string.Join(", ", gates.All.Select(g => g.Descriptor.Kind))}); it cannot pass",
                    document.LocationOf(kind));
        }
    }
}

public sealed record PolicyLoadResult(GatePolicy? Policy, IReadOnlyList<Finding> Errors)
{
    public static PolicyLoadResult Failed(params Finding[] errors) => new(null, errors);
}
