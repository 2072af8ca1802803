using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Findings;
using YamlDotNet.Core;

namespace SecMLOps.Gates.Documents;

/// <summary>A parsed YAML or JSON file whose every node remembers its line and column.</summary>
public sealed class SourceDocument
{
    /// <summary>Files larger than this are refused before parsing.</summary>
    public const long MaxBytes = 4 * 1024 * 1024;

    private static readonly JsonLoadSettings LoadSettings = new()
    {
        LineInfoHandling = LineInfoHandling.Load,
        DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error,
        CommentHandling = CommentHandling.Ignore,
    };

    private SourceDocument(string path, JToken root)
    {
        Path = path;
        Root = root;
    }

    /// <summary>Repository-relative path with forward slashes.</summary>
    public string Path { get; }

    public JToken Root { get; }

    public SourceLocation LocationOf(JToken token) => SourceLocation.Of(Path, token);

    /// <summary>Reads and parses a file; syntax errors become <see cref="GateInputException"/> with file:line:col.</summary>
    public static SourceDocument Load(string fullPath, string relativePath)
    {
        var info = new FileInfo(fullPath);
        if (!info.Exists)
            throw new GateInputException(EngineRules.InputMissing, $"file not found: {relativePath}", new SourceLocation(relativePath, 0, 0));
        if (info.Length > MaxBytes)
            throw new GateInputException(EngineRules.DocumentSyntax, $"file is larger than {MaxBytes} bytes", new SourceLocation(relativePath, 0, 0));

        return Parse(File.ReadAllText(fullPath), relativePath);
    }

    /// <summary>Parses text as YAML, or as JSON when <paramref name="relativePath"/> ends in .json.</summary>
    public static SourceDocument Parse(string text, string relativePath)
    {
        var isJson = relativePath.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        try
        {
            using var reader = isJson
                ? new JsonTextReader(new StringReader(text)) { DateParseHandling = DateParseHandling.None, FloatParseHandling = FloatParseHandling.Double }
                : (JsonReader)new YamlJsonReader(new StringReader(text)) { DateParseHandling = DateParseHandling.None };
            if (!reader.Read())
                throw new GateInputException(EngineRules.DocumentSyntax, "the file is empty", new SourceLocation(relativePath, 1, 1));
            var root = JToken.ReadFrom(reader, LoadSettings);
            if (isJson && reader.Read())
                throw new GateInputException(EngineRules.DocumentSyntax, "unexpected content after the JSON value", LocationOf(relativePath, reader));
            return new SourceDocument(relativePath, root);
        }
        catch (YamlException e)
        {
            var message = e.InnerException?.Message ?? e.Message;
            throw new GateInputException(EngineRules.DocumentSyntax, StripMarks(message), new SourceLocation(relativePath, (int)e.Start.Line, (int)e.Start.Column));
        }
        catch (JsonReaderException e)
        {
            throw new GateInputException(EngineRules.DocumentSyntax, DescribeJsonError(e), new SourceLocation(relativePath, e.LineNumber, e.LinePosition));
        }
    }

    private static SourceLocation LocationOf(string path, JsonReader reader) =>
        reader is IJsonLineInfo info && info.HasLineInfo() ? new SourceLocation(path, info.LineNumber, info.LinePosition) : new SourceLocation(path, 0, 0);

    private static string DescribeJsonError(JsonReaderException e)
    {
        const string duplicate = "Property with the name '";
        if (e.Message.StartsWith(duplicate, StringComparison.Ordinal))
        {
            var name = e.Message[duplicate.Length..e.Message.IndexOf('\'', duplicate.Length)];
            return $"duplicate key '{name}'";
        }
        var cut = e.Message.IndexOf(" Path '", StringComparison.Ordinal);
        return cut > 0 ? e.Message[..cut] : e.Message;
    }

    // YamlDotNet repeats the position in its messages ("(Line: 3, Col: 5, ...)"); we print it ourselves.
    private static string StripMarks(string message)
    {
        var cut = message.IndexOf("(Line:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).Trim().TrimEnd(':').Trim();
    }
}
