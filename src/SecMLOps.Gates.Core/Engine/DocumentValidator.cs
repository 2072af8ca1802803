using SecMLOps.Gates.Data;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Engine;

/// <summary>
/// <c>validate</c>: every check that needs no model execution, on policies and on the documents the
/// gates own. A policy that validates will not stop evaluate on bad input: its settings bind, its
/// files exist and read as their formats, its pinned digests hold, its expressions compile, and its
/// rule ids are unique across every validated file.
/// </summary>
public sealed class DocumentValidator(RepositoryRoot root, GateRegistry gates, DateOnly today)
{
    private readonly Dictionary<string, string> _ruleIds = new(StringComparer.Ordinal);
    private readonly DatasetIntegrity _integrity = new();

    public IReadOnlyList<Finding> Validate(DiscoveredDocument document)
    {
        var relative = root.Contains(document.FullPath) ? root.Relative(document.FullPath) : document.FullPath;
        if (gates.FindDocumentKind(document.Kind) is { } kind)
        {
            try
            {
                return kind.Validate(SourceDocument.Load(document.FullPath, relative));
            }
            catch (GateInputException e)
            {
                return [e.ToFinding(relative)];
            }
        }
        var result = new PolicyLoader(root, gates, today).Load(document.FullPath);
        if (result.Policy is not { } policy)
            return result.Errors;
        var errors = new List<Finding>();
        foreach (var rule in policy.Rules)
        {
            if (_ruleIds.TryGetValue(rule.Id, out var first))
                errors.Add(Finding.Error(EngineRules.PolicyInconsistent.Id, rule.Id, $"rule id {rule.Id} is also declared in {first}; rule ids must be unique across evaluated policies", rule.Location));
            else
                _ruleIds[rule.Id] = policy.Document.Path;
        }
        foreach (var dataset in policy.Datasets.Values)
        {
            try
            {
                _integrity.Verify(dataset);
            }
            catch (GateInputException e)
            {
                errors.Add(e.ToFinding(dataset.Name));
            }
        }
        return errors;
    }
}
