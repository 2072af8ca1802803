using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace SecMLOps.Gates.Findings;

/// <summary>A place in a repository file. Line and column are 1-based; 0 means "the whole file".</summary>
public sealed record SourceLocation(string Path, int Line, int Column)
{
    public static SourceLocation Of(string path, JToken token)
    {
        IJsonLineInfo info = token;
        return info.HasLineInfo() ? new SourceLocation(path, info.LineNumber, info.LinePosition) : new SourceLocation(path, 0, 0);
    }

    /// <summary>The conventional compiler form, path:line:col.</summary>
    public override string ToString() => Line > 0 ? $"{Path}:{Line}:{Column}" : Path;
}
