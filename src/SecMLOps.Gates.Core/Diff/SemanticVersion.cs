using System.Globalization;

namespace SecMLOps.Gates.Diff;

/// <summary>Reads the major part of a metadata.version (major.minor.patch; pre-release and build parts are ignored).</summary>
internal static class SemanticVersion
{
    /// <summary>Whether the major part is higher: the bump a weakening needs.</summary>
    public static bool IsMajorGreater(string candidate, string than) => Major(candidate) > Major(than);

    public static long Major(string version) =>
        long.TryParse(version.Split('-', '+')[0].Split('.')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : 0;
}
