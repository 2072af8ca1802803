namespace SecMLOps.Gates.Findings;

/// <summary>Everything a report says about a rule, declared once (SARIF tool.driver.rules).</summary>
/// <param name="HelpUri">The rule's documentation page (SARIF helpUri).</param>
public sealed record RuleDescriptor(
    string Id,
    string Name,
    string ShortDescription,
    string FullDescription,
    string Help,
    Severity Severity,
    string HelpUri);
