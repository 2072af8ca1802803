using System.CommandLine;
using SecMLOps.Gates.Commands;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Engine;

namespace SecMLOps.Gates.Cli.Commands;

/// <summary>secmlops-gate schema: prints a document kind's JSON Schema as this version has it (for editors and for policies/schema).</summary>
internal static class SchemaCommand
{
    public static Command Create(TextWriter output, TextWriter error, GateRegistry registry)
    {
        var schemas = new Dictionary<string, Func<string>>(StringComparer.Ordinal)
        {
            ["policy"] = () => registry.Schema.ToText(),
            ["threat-model"] = () => SchemaCatalog.ReadText(SchemaCatalog.ThreatModel),
            ["baseline"] = () => SchemaCatalog.ReadText(SchemaCatalog.Baseline),
        };
        var document = new Argument<string>("document")
        {
            Description = "Which schema: policy (assembled from every gate's settings), threat-model or baseline.",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => "policy",
        };
        document.AcceptOnlyFromAmong([.. schemas.Keys]);
        var file = new Option<string?>("--output", "-o") { Description = "Write to this file instead of standard output." };
        var command = new Command("schema", "Print the JSON Schema of policies, threat models or baselines, for editor completion.")
        {
            document, file,
        };
        command.SetAction(parsed => Output.Write(parsed.GetValue(file), schemas[parsed.GetValue(document)!](), output, error, Output.ForCommittedFile(parsed.GetValue(file) ?? ".", [])));
        return command;
    }
}
