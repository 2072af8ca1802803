using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Documents;

public sealed class SourceDocumentTests
{
    [Fact]
    public void Plain_scalars_follow_the_yaml_core_schema_and_quoted_ones_stay_strings()
    {
        using var repo = new ScratchRepository();
        var path = repo.Write("a.yaml", "int: 3\nfloat: 1.0\nquoted: \"1.0\"\nbool: true\nnothing: ~\ndate: 2026-01-31\nversion: 1.2.0\n");
        var root = SourceDocument.Load(path, "a.yaml").Root;
        Assert.Equal(Newtonsoft.Json.Linq.JTokenType.Integer, root["int"]!.Type);
        Assert.Equal(Newtonsoft.Json.Linq.JTokenType.Float, root["float"]!.Type);
        Assert.Equal(Newtonsoft.Json.Linq.JTokenType.String, root["quoted"]!.Type);
        Assert.Equal(Newtonsoft.Json.Linq.JTokenType.Boolean, root["bool"]!.Type);
        Assert.Equal(Newtonsoft.Json.Linq.JTokenType.Null, root["nothing"]!.Type);
        Assert.Equal("2026-01-31", (string?)root["date"]);
        Assert.Equal("1.2.0", (string?)root["version"]);
    }

    [Fact]
    public void Nodes_remember_their_yaml_line_and_column()
    {
        using var repo = new ScratchRepository();
        var path = repo.Write("a.yaml", "top:\n  list:\n    - name: x\n      value: 5\n");
        var document = SourceDocument.Load(path, "a.yaml");
        Assert.Equal(new SourceLocation("a.yaml", 4, 14), document.LocationOf(document.Root["top"]!["list"]![0]!["value"]!));
    }

    [Fact]
    public void A_duplicate_key_is_an_error_at_its_line()
    {
        using var repo = new ScratchRepository();
        var path = repo.Write("a.yaml", "a: 1\nb:\n  c: 1\n  c: 2\n");
        var error = Assert.Throws<GateInputException>(() => SourceDocument.Load(path, "a.yaml"));
        Assert.Equal(EngineRules.DocumentSyntax.Id, error.RuleId);
        Assert.Contains("duplicate key 'c'", error.Message);
        Assert.Equal(4, error.Location.Line);
    }

    [Fact]
    public void A_syntax_error_names_its_line_and_column()
    {
        using var repo = new ScratchRepository();
        var path = repo.Write("a.yaml", "a: 1\nb: [1, 2\nc: 3\n");
        var error = Assert.Throws<GateInputException>(() => SourceDocument.Load(path, "a.yaml"));
        Assert.Equal(EngineRules.DocumentSyntax.Id, error.RuleId);
        Assert.True(error.Location.Line >= 2, $"line {error.Location.Line}");
    }

    [Fact]
    public void Aliases_are_refused()
    {
        using var repo = new ScratchRepository();
        var path = repo.Write("a.yaml", "a: &x [1, 2]\nb: *x\n");
        var error = Assert.Throws<GateInputException>(() => SourceDocument.Load(path, "a.yaml"));
        Assert.Contains("aliases", error.Message);
        Assert.Equal(2, error.Location.Line);
    }

    [Fact]
    public void Json_duplicate_keys_are_errors_too()
    {
        using var repo = new ScratchRepository();
        var path = repo.Write("a.json", "{\n  \"a\": 1,\n  \"a\": 2\n}\n");
        var error = Assert.Throws<GateInputException>(() => SourceDocument.Load(path, "a.json"));
        Assert.Contains("duplicate key 'a'", error.Message);
        Assert.Equal(3, error.Location.Line);
    }
}
