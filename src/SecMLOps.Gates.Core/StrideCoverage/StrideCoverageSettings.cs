using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.StrideCoverage;

/// <summary>A stride-coverage rule's settings, bound when the policy loads (schema: stride-coverage.settings.schema.json).</summary>
/// <param name="Model">The threat model, read and checked for consistency when the policy loaded.</param>
/// <param name="Unstated">How findings about what the model leaves unstated (an impact not rated, a flow end) block: the weaker of this and the rule's enforcement.</param>
public sealed record StrideCoverageSettings(ThreatModel Model, RiskLevel RiskLevel, int MaxAgeDays, Enforcement Unstated)
{
    public static StrideCoverageSettings? Bind(SettingsBinder binder)
    {
        var path = binder.InputFile("threatModel", "threat model");
        var risk = binder.Child("riskLevel");
        var riskLevel = new RiskLevel(risk.Text("likelihood")[0], ImpactNames.Words.Parse(risk.Text("impact")));
        var unstated = Enforcements.Words.Parse(binder.Text("unstated"));
        if (path is null)
            return null;
        var model = binder.Read(() =>
        {
            var document = Documents.SourceDocument.Load(path, binder.Root.Relative(path));
            var (read, errors) = ThreatModelReader.Read(document, binder.Text("format"), binder.Today);
            binder.Errors(errors);
            return read;
        });
        return model is null ? null : new StrideCoverageSettings(model, riskLevel, binder.Integer("maxAgeDays"), unstated);
    }
}
