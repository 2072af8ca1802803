using System.Text.Json.Serialization;

namespace SecMLOps.Gates.Reporting.Sarif;

// The subset of SARIF 2.1.0 the gate writes. Names follow the specification; tests validate the
// output against the official schema.

public sealed record SarifLog(
    [property: JsonPropertyName("$schema")] string Schema,
    string Version,
    IReadOnlyList<SarifRun> Runs);

public sealed record SarifRun(
    SarifTool Tool,
    SarifRunAutomationDetails AutomationDetails,
    IReadOnlyList<SarifInvocation> Invocations,
    IReadOnlyDictionary<string, SarifArtifactLocation> OriginalUriBaseIds,
    IReadOnlyList<SarifResult> Results,
    string ColumnKind = "unicodeCodePoints");

/// <summary>Identifies the analysis: "category/" (code scanning keeps one set of alerts per category).</summary>
public sealed record SarifRunAutomationDetails(string Id);

public sealed record SarifTool(SarifDriver Driver);

public sealed record SarifDriver(
    string Name,
    string Version,
    string SemanticVersion,
    string InformationUri,
    IReadOnlyList<SarifReportingDescriptor> Rules);

public sealed record SarifReportingDescriptor(
    string Id,
    string Name,
    SarifMessage ShortDescription,
    SarifMessage FullDescription,
    SarifMultiformatMessage Help,
    string HelpUri,
    SarifConfiguration DefaultConfiguration,
    IReadOnlyDictionary<string, object> Properties);

public sealed record SarifConfiguration(string Level);

public sealed record SarifMessage(string Text);

public sealed record SarifMultiformatMessage(string Text, string Markdown);

public sealed record SarifInvocation(bool ExecutionSuccessful, int ExitCode);

public sealed record SarifResult(
    string RuleId,
    int RuleIndex,
    string Kind,
    string Level,
    SarifMessage Message,
    IReadOnlyList<SarifLocation> Locations,
    IReadOnlyDictionary<string, string> PartialFingerprints,
    IReadOnlyList<SarifSuppression>? Suppressions,
    IReadOnlyDictionary<string, object>? Properties);

public sealed record SarifLocation(SarifPhysicalLocation PhysicalLocation, int? Id = null);

public sealed record SarifPhysicalLocation(SarifArtifactLocation ArtifactLocation, SarifRegion? Region);

public sealed record SarifArtifactLocation(
    string? Uri = null,
    string? UriBaseId = null,
    SarifMessage? Description = null);

public sealed record SarifRegion(int StartLine, int StartColumn);

public sealed record SarifSuppression(string Kind, string Status, string Justification);
