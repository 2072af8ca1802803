using Newtonsoft.Json.Linq;
using NJsonSchema;
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
            var settingsSchema = schema.Definitions[gate.SettingsDefinition];
            var settingsErrors = SchemaValidator.Validate(document, settingsSchema, settings, (string)rule["id"]!, fallback: document.LocationOf(rule));
            errors.AddRange(settingsErrors.Count > 0 ? settingsErrors : CheckPaths(document, Path.GetDirectoryName(fullPath)!, settings, settingsSchema));
        }
        if (errors.Count > 0)
            return PolicyLoadResult.Failed(errors.ToArray());

        var builder = new PolicyBuilder(document, fullPath, root, today);
        var policy = builder.Build();
        return builder.Errors.Count > 0 ? PolicyLoadResult.Failed(builder.Errors.ToArray()) : new PolicyLoadResult(policy, []);
    }

    /// <summary>Every setting whose schema is definitions/relativePath must stay inside the repository.</summary>
    private IEnumerable<Finding> CheckPaths(SourceDocument document, string directory, JToken node, JsonSchema nodeSchema)
    {
        var relativePath = SchemaCatalog.Get(SchemaCatalog.GatePolicy).Definitions["relativePath"];
        if (nodeSchema.ActualSchema == relativePath && node.Type == JTokenType.String)
        {
            var problem = PathProblem(document, directory, node);
            return problem is null ? [] : [problem];
        }
        return node switch
        {
            JObject mapping => mapping.Properties()
                .Where(p => nodeSchema.ActualSchema.ActualProperties.ContainsKey(p.Name))
                .SelectMany(p => CheckPaths(document, directory, p.Value, nodeSchema.ActualSchema.ActualProperties[p.Name])),
            JArray list when nodeSchema.ActualSchema.Item is { } item => list.SelectMany(i => CheckPaths(document, directory, i, item)),
            _ => [],
        };
    }

    private Finding? PathProblem(SourceDocument document, string directory, JToken path)
    {
        try
        {
            root.Resolve(directory, (string)path!, document.LocationOf(path));
            return null;
        }
        catch (GateInputException e)
        {
            return e.ToFinding((string)path!);
        }
    }
}

public sealed record PolicyLoadResult(GatePolicy? Policy, IReadOnlyList<Finding> Errors)
{
    public static PolicyLoadResult Failed(params Finding[] errors) => new(null, errors);
}
