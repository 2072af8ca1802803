using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.StrideCoverage;

/// <summary>
/// Checks a threat model: every applicable STRIDE category of every in-scope element is assessed,
/// every pair at or above the risk level names a control (or an unexpired acceptance), every
/// control is backed by evidence, no assessment is older than maxAgeDays, and unrated impacts are reported.
/// </summary>
public sealed class StrideCoverageGate : Gate<StrideCoverageSettings>
{
    public const string Kind = "stride-coverage";
    public const string ThreatModelKind = "ThreatModel";

    public override GateDescriptor Descriptor { get; } = new(
        Kind,
        "The threat model covers STRIDE for every element and mitigates every serious risk.",
        "Each data-flow element must be assessed for each STRIDE category that applies to it (STRIDE per element, or the element's own list); " +
        "each assessment at or above the policy's risk level (an unrated impact counts as serious) must name a control backed by evidence " +
        "(a policy rule, an existing file, or a waiver) or an acceptance with an owner that has not expired; assessments must be younger than maxAgeDays; " +
        "an impact that is not rated is reported on its own.",
        GateDescriptor.EmbeddedSettingsSchema(typeof(StrideCoverageGate), Kind))
    {
        Documents = [new DocumentKind(ThreatModelKind, SchemaCatalog.Get(SchemaCatalog.ThreatModel), ValidateThreatModel, ThreatModelDiffer.Compare)],
        JudgesOtherRules = true,
    };

    public override StrideCoverageSettings? Bind(SettingsBinder binder) => StrideCoverageSettings.Bind(binder);

    public override IEnumerable<System.CommandLine.Command> Commands(TextWriter output, TextWriter error) => [MatrixCommand.Create(output)];

    /// <summary>Advisory until the threat model init writes is assessed, so that a new team's first verdicts lead with robustness.</summary>
    public override ScaffoldSection Scaffold(ScaffoldContext context) => new(
    [
        "# Advisory until the threat model is assessed, so that the first verdicts lead with robustness;",
        "# make it hard-mandatory once every element has its threats (a major version: it strengthens the policy).",
        $"- id: {context.RuleIdPrefix}-STRIDE-1",
        $"  kind: {Kind}",
        "  enforcement: advisory",
        "  severity: high",
        "  description: The threat model assesses every applicable STRIDE category; serious risks name evidenced controls.",
        "  settings:",
        $"    threatModel: {context.ThreatModelFile}",
    ], IsRule: true);

    public override GateResult Evaluate(GateContext context, StrideCoverageSettings settings) =>
        new(new CoverageCheck(context, settings).Run().ToList(), CoverageMatrixWriter.ToMarkdown(CoverageMatrix.Of(settings.Model), heading: 3))
        {
            ValidUntil = ValidUntil(settings),
        };

    /// <summary>The day the first assessment ages out or the first acceptance expires.</summary>
    private static DateOnly? ValidUntil(StrideCoverageSettings settings) =>
        settings.Model.Elements.SelectMany(e => e.Threats)
            .SelectMany(t => new[] { t.Assessed?.AddDays(settings.MaxAgeDays), t.Acceptance?.Expires })
            .Where(d => d is not null).DefaultIfEmpty(null).Min();

    /// <summary>What <c>validate</c> checks of a ThreatModel file on its own (dates are judged against today).</summary>
    private static IReadOnlyList<Finding> ValidateThreatModel(SourceDocument document) =>
        ThreatModelReader.Read(document, ThreatModelReader.SecMLOpsFormat, DateOnly.FromDateTime(DateTime.UtcNow)).Errors;
}
