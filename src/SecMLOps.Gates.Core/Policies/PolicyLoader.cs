using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Policies;

/// <summary>
/// Parse, then trust: reads a policy file, validates it against the schema (and each rule's settings
/// against its gate's definition), checks paths and cross-references, and only then builds a
/// <see cref="GatePolicy"/>. Every problem is reported, each with its file:line:col.
/// </summary>
public sealed class PolicyLoader(RepositoryRoot root, GateRegistry gates, DateOnly today)
{
    public PolicyLoadResult Load(string fullPath)
    {
        var relative = root.Relative(fullPath);
        if (!root.Contains(fullPath))
            return PolicyLoadResult.Failed(Finding.Error(EngineRules.PathOutsideRepository.Id, fullPath,
                $"the policy file lies outside the repository root {root.FullPath}", new SourceLocation(fullPath, 0, 0)));

        SourceDocument document;
        try
        {
            document = SourceDocument.Load(fullPath, relative);
        }
        catch (GateInputException e)
        {
            return PolicyLoadResult.Failed(e.ToFinding(relative));
        }

        var schema = SchemaCatalog.Get(SchemaCatalog.GatePolicy);
        var errors = SchemaValidator.Validate(document, schema).ToList();
        if (errors.Count > 0)
            return PolicyLoadResult.Failed(errors.ToArray());

        foreach (var rule in (JArray)document.Root["spec"]!["rules"]!)
        {
            if (gates.Find((string)rule["kind"]!) is not { } gate)
                continue; // the engine reports the missing gate as an error when it evaluates the rule
            var settings = rule["settings"] ?? new JObject();
            errors.AddRange(SchemaValidator.Validate(document, schema.Definitions[gate.SettingsDefinition], settings,
                (string)rule["id"]!, fallback: document.LocationOf(rule)));
        }
        if (errors.Count > 0)
            return PolicyLoadResult.Failed(errors.ToArray());

        var builder = new PolicyBuilder(document, fullPath, root, today);
        var policy = builder.Build();
        return builder.Errors.Count > 0 ? PolicyLoadResult.Failed(builder.Errors.ToArray()) : new PolicyLoadResult(policy, []);
    }
}

public sealed record PolicyLoadResult(GatePolicy? Policy, IReadOnlyList<Finding> Errors)
{
    public static PolicyLoadResult Failed(params Finding[] errors) => new(null, errors);
}
