using System.CommandLine;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Reporting;

namespace SecMLOps.Gates.Cli.Commands;

/// <summary>secmlops-gate schema: prints the policy schema as this version assembles it (for editors and for policies/schema).</summary>
internal static class SchemaCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var threatModel = new Option<bool>("--threat-model") { Description = "Print the threat-model schema instead of the policy schema." };
        var file = new Option<string?>("--output", "-o") { Description = "Write to this file instead of standard output." };
        var command = new Command("schema", "Print the JSON Schema of policies (assembled from every gate's settings) or of threat models, for editor completion.")
        {
            threatModel, file,
        };
        command.SetAction(parsed =>
        {
            var text = parsed.GetValue(threatModel) ? SchemaCatalog.ReadText(SchemaCatalog.ThreatModel) : BuiltInGates.Registry.Schema.ToText();
            return Output.Write(parsed.GetValue(file), text, output, error);
        });
        return command;
    }
}
