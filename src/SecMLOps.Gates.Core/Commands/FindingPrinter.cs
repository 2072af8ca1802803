using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Commands;

/// <summary>Prints findings in the compiler form editors and CI logs recognise: path:line:col: level RULE: message.</summary>
public static class FindingPrinter
{
    public static void Print(TextWriter output, string level, Finding finding)
    {
        var location = finding.Locations.FirstOrDefault();
        output.WriteLine($"{location?.ToString() ?? finding.Subject}: {level} {finding.RuleId}: {finding.Message}");
    }
}
