using System.Globalization;

namespace SecMLOps.Gates.Diff;

/// <summary>Orders metadata.version values by major.minor.patch; pre-release and build parts are ignored.</summary>
internal static class SemanticVersion
{
    public static bool IsGreater(string candidate, string than) => Compare(candidate, than) > 0;

    private static int Compare(string a, string b)
    {
        var (x, y) = (Parts(a), Parts(b));
        for (var i = 0; i < 3; i++)
        {
            if (x[i] != y[i])
                return x[i].CompareTo(y[i]);
        }
        return 0;
    }

    private static long[] Parts(string version)
    {
        var core = version.Split('-', '+')[0].Split('.');
        return Enumerable.Range(0, 3)
            .Select(i => i < core.Length && long.TryParse(core[i], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0)
            .ToArray();
    }
}
