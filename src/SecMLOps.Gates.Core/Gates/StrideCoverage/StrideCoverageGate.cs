using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Gates.StrideCoverage;

/// <summary>
/// Checks a threat model: every applicable STRIDE category of every in-scope element is assessed,
/// every pair at or above the risk level names a control (or an unexpired acceptance), every
/// control is backed by evidence, and no assessment is older than maxAgeDays.
/// </summary>
public sealed class StrideCoverageGate : IGate
{
    public string Kind => "stride-coverage";
    public string SettingsDefinition => "strideCoverageSettings";
    public string Title => "The threat model covers STRIDE for every element and mitigates every serious risk.";
    public string Description =>
        "Each data-flow element must be assessed for each STRIDE category that applies to it (STRIDE per element); " +
        "each assessment at or above the policy's risk level must name a control backed by evidence (a policy rule, an existing file, or a waiver) " +
        "or an acceptance with an owner that has not expired; assessments must be younger than maxAgeDays.";

    public IEnumerable<Finding> Evaluate(GateContext context)
    {
        var path = context.ResolveSettingPath("threatModel");
        var document = SourceDocument.Load(path, context.Root.Relative(path));
        var (model, errors) = ThreatModelReader.Read(document, context.Setting("format", "secmlops"));
        if (model is null)
            return errors;

        var riskLevel = RiskLevel.FromSettings(context.Rule.Settings["riskLevel"]);
        return new CoverageCheck(context, model, riskLevel, context.Setting("maxAgeDays", 365)).Run();
    }
}
