using System.CommandLine;
using SecMLOps.Gates.Commands;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Reporting;

namespace SecMLOps.Gates.Cli.Commands;

/// <summary>secmlops-gate rules: the rule kinds this version has, or one kind's documentation (its settings, defaults and directions).</summary>
internal static class RulesCommand
{
    public static Command Create(TextWriter output, TextWriter error, GateRegistry registry)
    {
        var kind = new Argument<string?>("kind") { Description = "A rule kind: print its documentation (Markdown).", Arity = ArgumentArity.ZeroOrOne };
        var file = new Option<string?>("--output", "-o") { Description = "Write to this file instead of standard output." };
        var command = new Command("rules", "List the rule kinds, or print one kind's documentation: what it checks and every setting with its default and which way is stricter.")
        {
            kind, file,
        };
        command.SetAction(parsed =>
        {
            if (parsed.GetValue(kind) is not { } name)
            {
                foreach (var gate in registry.All)
                    output.WriteLine($"{gate.Descriptor.Kind,-16} {gate.Descriptor.Title}");
                return ExitCodes.Passed;
            }
            if (registry.Find(name) is not { } found)
            {
                error.WriteLine($"secmlops-gate: no rule kind '{name}' (kinds: {string.Join(", ", registry.All.Select(g => g.Descriptor.Kind))})");
                return ExitCodes.InputError;
            }
            return Output.Write(parsed.GetValue(file), GateDocumentation.ToMarkdown(found.Descriptor, registry.Schema), output, error, Output.ForCommittedFile(parsed.GetValue(file) ?? ".", []));
        });
        return command;
    }
}
