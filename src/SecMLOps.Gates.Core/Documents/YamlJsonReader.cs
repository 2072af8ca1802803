using System.Globalization;
using System.Text.RegularExpressions;
using Newtonsoft.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace SecMLOps.Gates.Documents;

/// <summary>
/// Reads one YAML document as a JSON token stream that carries each node's YAML line and column,
/// so schema errors point at the YAML source. Plain scalars are typed by the YAML 1.2 core schema;
/// quoted and block scalars stay strings. Aliases are refused (they allow expansion bombs), and so
/// are explicit tags such as !!python/object (a reader that dropped them would read another value).
/// </summary>
internal sealed partial class YamlJsonReader : JsonReader, IJsonLineInfo
{
    private readonly IParser _parser;
    private readonly Stack<bool> _inMapping = new();
    private readonly Stack<bool> _expectingKey = new();
    private bool _documentStarted;
    private Mark _position = Mark.Empty;

    public YamlJsonReader(TextReader text) => _parser = new Parser(text);

    public bool HasLineInfo() => _position.Line > 0;
    public int LineNumber => (int)_position.Line;
    public int LinePosition => (int)_position.Column;

    public override bool Read()
    {
        while (MoveNext())
        {
            var current = _parser.Current!;
            _position = current.Start;
            if (current is NodeEvent { Tag: { IsEmpty: false, IsNonSpecific: false } tag })
                throw new YamlException(current.Start, current.End, $"YAML tags ({tag.Value}) are not allowed in policy files; quote the value instead");
            switch (current)
            {
                case StreamStart or StreamEnd or DocumentEnd:
                    continue;
                case DocumentStart:
                    if (_documentStarted)
                        throw new YamlException(current.Start, current.End, "only one YAML document per file is allowed");
                    _documentStarted = true;
                    continue;
                case AnchorAlias:
                    throw new YamlException(current.Start, current.End, "YAML aliases are not allowed in policy files");
                case MappingStart:
                    BeforeValue(current);
                    Push(mapping: true);
                    SetToken(JsonToken.StartObject);
                    return true;
                case SequenceStart:
                    BeforeValue(current);
                    Push(mapping: false);
                    SetToken(JsonToken.StartArray);
                    return true;
                case MappingEnd:
                    Pop();
                    SetToken(JsonToken.EndObject);
                    return true;
                case SequenceEnd:
                    Pop();
                    SetToken(JsonToken.EndArray);
                    return true;
                case Scalar scalar when IsKeyPosition:
                    _expectingKey.Pop();
                    _expectingKey.Push(false);
                    SetToken(JsonToken.PropertyName, scalar.Value);
                    return true;
                case Scalar scalar:
                    BeforeValue(current);
                    SetScalar(scalar);
                    return true;
                default:
                    throw new YamlException(current.Start, current.End, $"unexpected YAML event {current.GetType().Name}");
            }
        }
        SetToken(JsonToken.None);
        return false;
    }

    // YamlDotNet throws InvalidOperationException on some malformed input (an unclosed flow sequence),
    // and ArgumentException on a tag that is no valid URI (!!python/object:os.system]).
    private bool MoveNext()
    {
        try
        {
            return _parser.MoveNext();
        }
        catch (InvalidOperationException)
        {
            throw new YamlException(_position, _position, "malformed YAML after this point (an unclosed bracket or brace?)");
        }
        catch (ArgumentException e)
        {
            throw new YamlException(_position, _position, $"malformed YAML after this point ({e.Message.Split(" (Parameter")[0].TrimEnd('.')})");
        }
    }

    private bool IsKeyPosition => _inMapping.Count > 0 && _inMapping.Peek() && _expectingKey.Peek();

    private void BeforeValue(ParsingEvent current)
    {
        if (IsKeyPosition)
            throw new YamlException(current.Start, current.End, "mapping keys must be plain scalars");
        if (_inMapping.Count > 0 && _inMapping.Peek())
        {
            _expectingKey.Pop();
            _expectingKey.Push(true);
        }
    }

    private void Push(bool mapping)
    {
        _inMapping.Push(mapping);
        _expectingKey.Push(mapping);
    }

    private void Pop()
    {
        _inMapping.Pop();
        _expectingKey.Pop();
    }

    private void SetScalar(Scalar scalar)
    {
        if (scalar.Style != ScalarStyle.Plain)
        {
            SetToken(JsonToken.String, scalar.Value);
            return;
        }
        var text = scalar.Value;
        if (text is "" or "~" or "null" or "Null" or "NULL")
            SetToken(JsonToken.Null);
        else if (text is "true" or "True" or "TRUE")
            SetToken(JsonToken.Boolean, true);
        else if (text is "false" or "False" or "FALSE")
            SetToken(JsonToken.Boolean, false);
        else if (DecimalInteger().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            SetToken(JsonToken.Integer, integer);
        else if (text.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
            SetToken(JsonToken.Integer, hex);
        else if (FloatNumber().IsMatch(text))
            SetToken(JsonToken.Float, double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
        else
            SetToken(JsonToken.String, text);
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex DecimalInteger();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatNumber();
}
