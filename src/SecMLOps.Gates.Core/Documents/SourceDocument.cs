using System.Globalization;
using System.Text.RegularExpressions;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Findings;
using YamlDotNet.Core;

namespace SecMLOps.Gates.Documents;

/// <summary>A parsed YAML or JSON file whose every node remembers its line and column.</summary>
public sealed partial class SourceDocument
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
            throw new GateInputException(EngineRules.InputMissing,
                Directory.Exists(fullPath) ? $"{relativePath} is a folder, not a file" : $"file not found: {relativePath}", new SourceLocation(relativePath, 0, 0));
        if (Inputs.SpecialFiles.NotRegular(fullPath) is { } what)
            throw new GateInputException(EngineRules.InputMissing, $"{relativePath} is {what}, not a file; the gate reads regular files only", new SourceLocation(relativePath, 0, 0));
        if (info.Length > MaxBytes)
            throw new GateInputException(EngineRules.DocumentSyntax, $"file is larger than {MaxBytes} bytes", new SourceLocation(relativePath, 0, 0));
        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GateInputException(EngineRules.InputMissing, $"{relativePath} cannot be read: {e.Message}", new SourceLocation(relativePath, 0, 0));
        }
        return Parse(text, relativePath);
    }

    /// <summary>
    /// Parses text as YAML, or as JSON when <paramref name="relativePath"/> ends in .json. The file
    /// must hold exactly one document, and that document must be a mapping.
    /// </summary>
    public static SourceDocument Parse(string text, string relativePath)
    {
        var isJson = relativePath.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        JToken root;
        try
        {
            using var reader = isJson
                ? new JsonTextReader(new StringReader(text)) { DateParseHandling = DateParseHandling.None, FloatParseHandling = FloatParseHandling.Double, MaxDepth = 64 }
                : (JsonReader)new YamlJsonReader(new StringReader(text)) { DateParseHandling = DateParseHandling.None, MaxDepth = 64 };
            if (!reader.Read())
                throw new GateInputException(EngineRules.DocumentSyntax, "the file is empty", new SourceLocation(relativePath, 1, 1));
            root = JToken.ReadFrom(reader, LoadSettings);
            // Reading on finds a second YAML document (which could otherwise weaken the first unseen) or trailing JSON.
            while (reader.Read())
            {
                if (reader.TokenType is not JsonToken.Comment)
                    throw new GateInputException(EngineRules.DocumentSyntax, "unexpected content after the document; a file holds exactly one", LocationOf(relativePath, reader));
            }
        }
        catch (YamlException e)
        {
            var message = e.InnerException?.Message ?? e.Message;
            throw new GateInputException(EngineRules.DocumentSyntax, StripMarks(message), YamlLocation(relativePath, e, message));
        }
        catch (JsonReaderException e)
        {
            throw new GateInputException(EngineRules.DocumentSyntax, DescribeJsonError(e), new SourceLocation(relativePath, e.LineNumber, e.LinePosition));
        }
        if (root is not JObject)
            throw new GateInputException(EngineRules.DocumentSyntax,
                $"the document must be a mapping of keys to values, not {Describe(root)}", SourceLocation.Of(relativePath, root) is { Line: > 0 } at ? at : new SourceLocation(relativePath, 1, 1));
        return new SourceDocument(relativePath, root);
    }

    private static string Describe(JToken root) => root.Type switch
    {
        JTokenType.Array => "a list",
        JTokenType.Null => "an empty value",
        _ => $"a single value ({root.ToString(Formatting.None)})",
    };

    /// <summary>YamlDotNet sometimes marks an error at the start of the stream while its message names the real place.</summary>
    private static SourceLocation YamlLocation(string path, YamlException e, string message)
    {
        var named = YamlMark().Match(message);
        if (named.Success && (e.Start.Line <= 1 || int.Parse(named.Groups[1].Value, CultureInfo.InvariantCulture) > e.Start.Line))
            return new SourceLocation(path, int.Parse(named.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(named.Groups[2].Value, CultureInfo.InvariantCulture));
        // For a tab YamlDotNet marks where the scalar began and puts the tab itself at the end mark.
        var mark = message.Contains("tab character", StringComparison.Ordinal) ? e.End : e.Start;
        return new SourceLocation(path, Math.Max((int)mark.Line, 1), Math.Max((int)mark.Column, 1));
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

    [GeneratedRegex(@"\(Line: (\d+), Col: (\d+)")]
    private static partial Regex YamlMark();
}
