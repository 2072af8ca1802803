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
    private readonly RuleIds _ruleIds = new();
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
        var errors = _ruleIds.Declare(policy.Document.Path, policy.Rules).ToList();
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
