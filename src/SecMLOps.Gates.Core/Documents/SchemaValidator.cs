using Newtonsoft.Json.Linq;
using NJsonSchema;
using NJsonSchema.Validation;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Documents;

/// <summary>Validates a document (or one node of it) and turns every schema error into a located finding.</summary>
public static class SchemaValidator
{
    public static IReadOnlyList<Finding> Validate(SourceDocument document, JsonSchema schema, JToken? node = null, string subject = "", SourceLocation? fallback = null)
    {
        var token = node ?? document.Root;
        var prefix = node is null ? "" : node.Path;
        return Flatten(schema.Validate(token))
            .Select(error => ToFinding(document, error, prefix, subject, fallback ?? new SourceLocation(document.Path, 1, 1)))
            .DistinctBy(f => (f.Locations[0], f.Message))
            .OrderBy(f => f.Locations[0].Line).ThenBy(f => f.Locations[0].Column).ThenBy(f => f.Message, StringComparer.Ordinal)
            .ToList();
    }

    private static IEnumerable<ValidationError> Flatten(IEnumerable<ValidationError> errors)
    {
        foreach (var error in errors)
        {
            if (error is ChildSchemaValidationError child && child.Errors.Count > 0)
            {
                foreach (var nested in Flatten(child.Errors.Values.SelectMany(e => e)))
                    yield return nested;
            }
            else
            {
                yield return error;
            }
        }
    }

    private static Finding ToFinding(SourceDocument document, ValidationError error, string prefix, string subject, SourceLocation fallback)
    {
        var location = error.HasLineInfo ? new SourceLocation(document.Path, error.LineNumber, error.LinePosition) : fallback;
        var path = ReadablePath(prefix, error.Path);
        var message = $"{Describe(error)} (at {(path.Length == 0 ? "the top level" : path)})";
        return Finding.Error(EngineRules.SchemaViolation.Id, string.IsNullOrEmpty(subject) ? document.Path : subject, message, location);
    }

    private static string ReadablePath(string prefix, string? schemaPath)
    {
        var relative = (schemaPath ?? "").TrimStart('#', '/');
        // NJsonSchema names errors of a nested node by the node's path in the whole document already.
        if (prefix.Length == 0 || relative.StartsWith(prefix, StringComparison.Ordinal)) return relative;
        return relative.Length == 0 ? prefix : relative.StartsWith('[') ? prefix + relative : $"{prefix}.{relative}";
    }

    private static string Describe(ValidationError error)
    {
        var schema = error.Schema?.ActualSchema;
        return error.Kind switch
        {
            ValidationErrorKind.NoAdditionalPropertiesAllowed =>
                $"unknown key '{error.Property}'{AllowedKeys(error)}",
            ValidationErrorKind.PropertyRequired => $"missing required key '{error.Property}'",
            ValidationErrorKind.NotInEnumeration when schema is not null =>
                $"must be one of {string.Join(", ", schema.Enumeration.Select(v => v?.ToString()))}",
            ValidationErrorKind.NotInEnumeration => "is not one of the allowed values",
            ValidationErrorKind.PatternMismatch => $"does not match the pattern {schema?.Pattern}",
            ValidationErrorKind.StringExpected => "must be a string",
            ValidationErrorKind.NumberExpected => "must be a number",
            ValidationErrorKind.IntegerExpected => "must be an integer",
            ValidationErrorKind.BooleanExpected => "must be true or false",
            ValidationErrorKind.ObjectExpected => "must be a mapping",
            ValidationErrorKind.ArrayExpected => "must be a list",
            ValidationErrorKind.TooFewItems => $"must have at least {schema?.MinItems} item(s)",
            ValidationErrorKind.TooManyItems => $"must have at most {schema?.MaxItems} item(s)",
            ValidationErrorKind.StringTooShort => $"must be at least {schema?.MinLength} character(s) long",
            ValidationErrorKind.NumberTooSmall => $"is below the minimum {schema?.Minimum ?? schema?.ExclusiveMinimum}",
            ValidationErrorKind.NumberTooBig => $"is above the maximum {schema?.Maximum ?? schema?.ExclusiveMaximum}",
            _ => SplitWords(error.Kind.ToString()),
        };
    }

    private static string AllowedKeys(ValidationError error)
    {
        var keys = error.Schema?.ActualSchema.ActualProperties.Keys.ToList();
        return keys is { Count: > 0 } ? $" (allowed: {string.Join(", ", keys)})" : "";
    }

    private static string SplitWords(string pascal) =>
        string.Concat(pascal.Select((c, i) => i > 0 && char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
