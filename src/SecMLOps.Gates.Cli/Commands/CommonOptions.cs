using System.CommandLine;
using System.Globalization;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Cli.Commands;

/// <summary>Options every command shares.</summary>
internal static class CommonOptions
{
    public static Option<string?> AsOf() => new("--as-of")
    {
        Description = "Judge waiver expiry and assessment age as of this date (YYYY-MM-DD). Default: today (UTC).",
    };

    public static Option<string> FailOn()
    {
        var option = new Option<string>("--fail-on")
        {
            Description = $"The least severity whose failures fail the run: {string.Join(", ", Severities.Words.All)} (default: low, every failure). Errors always fail.",
            DefaultValueFactory = _ => "low",
        };
        option.AcceptOnlyFromAmong([.. Severities.Words.All]);
        return option;
    }

    public static Severity Severity(string name) => Severities.Words.Parse(name);

    public static Option<string[]> Rule() => new("--rule")
    {
        Description = "Run only this rule (repeatable); a rule id the policies do not declare is an error.",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<string?> Baseline() => new("--baseline")
    {
        Description = "A baseline file (kind GateBaseline) of accepted findings: each accepted failure of a soft-mandatory rule stops failing the run until its entry expires.",
    };

    /// <summary>The report options of an evaluation (evaluate, merge): SARIF, Markdown summary, JSON summary.</summary>
    public static (Option<string?> Sarif, Option<string?> Summary, Option<string?> Json) Reports() => (
        new Option<string?>("--sarif") { Description = "Write SARIF 2.1.0 results to this file." },
        new Option<string?>("--summary") { Description = "Write a Markdown summary (for $GITHUB_STEP_SUMMARY) to this file." },
        new Option<string?>("--json") { Description = "Write a JSON summary (verdict, every finding, input files) to this file." });

    /// <summary>Today, or the --as-of date; null when the text is not a date.</summary>
    public static DateOnly? ResolveDate(string? asOf) =>
        asOf is null ? DateOnly.FromDateTime(DateTime.UtcNow)
        : DateOnly.TryParseExact(asOf, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date
        : null;
}
