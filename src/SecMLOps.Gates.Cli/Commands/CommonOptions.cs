using System.CommandLine;
using System.Globalization;
using SecMLOps.Gates.Engine;

namespace SecMLOps.Gates.Cli.Commands;

/// <summary>Options every command shares.</summary>
internal static class CommonOptions
{
    public static Option<DirectoryInfo?> RepositoryRoot() => new("--repo-root")
    {
        Description = "The folder every path must stay in. Default: the nearest folder above the current one that holds .git.",
    };

    public static Option<string?> AsOf() => new("--as-of")
    {
        Description = "Judge waiver expiry and assessment age as of this date (YYYY-MM-DD). Default: today (UTC).",
    };

    public static RepositoryRoot ResolveRoot(DirectoryInfo? option) =>
        option is null ? Engine.RepositoryRoot.Discover(Directory.GetCurrentDirectory()) : Engine.RepositoryRoot.At(option.FullName);

    /// <summary>Today, or the --as-of date; null when the text is not a date.</summary>
    public static DateOnly? ResolveDate(string? asOf) =>
        asOf is null ? DateOnly.FromDateTime(DateTime.UtcNow)
        : DateOnly.TryParseExact(asOf, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date
        : null;
}
