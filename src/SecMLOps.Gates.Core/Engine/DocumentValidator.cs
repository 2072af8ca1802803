using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Gates.StrideCoverage;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Engine;

/// <summary>Static checks of policies and threat models, without running any gate.</summary>
public sealed class DocumentValidator(RepositoryRoot root, GateRegistry gates, DateOnly today)
{
    public IReadOnlyList<Finding> Validate(DiscoveredDocument document)
    {
        if (document.Kind != DiscoveredDocument.ThreatModel)
            return new PolicyLoader(root, gates, today).Load(document.FullPath).Errors;
        try
        {
            return ThreatModelReader.Read(SourceDocument.Load(document.FullPath, root.Relative(document.FullPath))).Errors;
        }
        catch (GateInputException e)
        {
            return [e.ToFinding(root.Relative(document.FullPath))];
        }
    }
}
