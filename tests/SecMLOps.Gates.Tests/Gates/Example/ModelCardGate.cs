using System.CommandLine;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using SecMLOps.Gates.Commands;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Tests.Gates.Example;

/// <summary>The settings of the example rule kind: the model card and the sections it must have.</summary>
internal sealed record ModelCardSettings(string Card, IReadOnlyList<string> RequiredSections);

/// <summary>
/// A rule kind that only a test registers: adding a gate takes this folder (the gate and its
/// settings schema) and one line in a registry; the schema, validate, the diff, SARIF and the docs
/// follow. It owns a diagnostic (a card with no headings at all), a document kind of its own
/// (a card template listing sections a team requires), which validate checks and the diff judges,
/// a command (card-sections), which the command line lists beside its own, and its line in the policy
/// init writes.
/// </summary>
internal sealed class ModelCardGate : Gate<ModelCardSettings>
{
    public const string Kind = "model-card";

    public const string TemplateKind = "ModelCardTemplate";

    public static readonly RuleDescriptor CardWithoutHeadings = EngineRules.Diagnostic("SMG9001", "model-card-without-headings",
        "The model card has no headings at all.", "A card without headings is not a model card: nothing can be said about its sections.");

    private static readonly JsonSchema TemplateSchema = JsonSchema.FromJsonAsync("""
        {
          "type": "object", "additionalProperties": false, "required": ["apiVersion", "kind", "metadata", "spec"],
          "properties": {
            "apiVersion": {"enum": ["secmlops.gates/v1"]}, "kind": {"enum": ["ModelCardTemplate"]},
            "metadata": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "version": {"type": "string"}}},
            "spec": {"type": "object", "additionalProperties": false, "required": ["sections"], "properties": {"sections": {"type": "array", "items": {"type": "string"}}}}
          }
        }
        """).GetAwaiter().GetResult();

    public override GateDescriptor Descriptor { get; } = new(Kind, "The model card has the sections reviewers need.",
        "The model card must have a heading for every required section.", GateDescriptor.EmbeddedSettingsSchema(typeof(ModelCardGate), Kind))
    {
        Diagnostics = [CardWithoutHeadings],
        Documents = [new DocumentKind(TemplateKind, TemplateSchema, document => SchemaValidator.Validate(document, TemplateSchema), CompareTemplates)],
    };

    /// <summary>A section the template no longer requires weakens it; one more strengthens it.</summary>
    private static void CompareTemplates(ChangeLog log, SourceDocument before, SourceDocument after, PolicySchema schema)
    {
        var (old, current) = (Sections(before), Sections(after));
        foreach (var section in old.Except(current))
            log.Add($"sections[{section}]", ChangeEffect.Weakening, $"section '{section}' no longer required", section, null);
        foreach (var section in current.Except(old))
            log.Add($"sections[{section}]", ChangeEffect.Strengthening, $"section '{section}' required", null, section);
    }

    private static List<string> Sections(SourceDocument document) => document.Root["spec"]!["sections"]!.Values<string>().Select(s => s!).ToList();

    public override IEnumerable<Command> Commands(TextWriter output, TextWriter error)
    {
        var card = new Argument<string>("card") { Description = "The model card (Markdown)." };
        var repoRoot = RepositoryRootOption.Create();
        var command = new Command("card-sections", "List a model card's sections, one a line.") { card, repoRoot };
        command.SetAction(parsed =>
        {
            var root = RepositoryRootOption.Resolve(parsed.GetValue(repoRoot));
            var path = Path.GetFullPath(parsed.GetValue(card)!);
            var headings = Headings(path);
            if (headings.Count == 0)
            {
                FindingPrinter.Print(error, "error", Finding.Error(CardWithoutHeadings.Id, root.Relative(path), $"{root.Relative(path)} has no headings", new SourceLocation(root.Relative(path), 1, 1)));
                return ExitCodes.InputError;
            }
            foreach (var heading in headings)
                output.WriteLine(heading);
            return ExitCodes.Passed;
        });
        return [command];
    }

    /// <summary>A comment, and the threat a card is evidence against: the registry's published models repudiated (what is this model for?).</summary>
    public override ScaffoldSection Scaffold(ScaffoldContext context) => new([$"# The model card's sections: see {Descriptor.HelpPath}."], IsRule: false,
        new ScaffoldThreat(SkeletonElement.ModelRegistry, 'R', "Every published model has a reviewed model card.", $"{context.RuleIdPrefix}-CARD-1", RuleRuns: false));

    private static List<string> Headings(string card) => File.ReadAllLines(card).Where(l => l.StartsWith('#')).Select(l => l.TrimStart('#').Trim()).ToList();

    public override ModelCardSettings? Bind(SettingsBinder binder) =>
        binder.InputFile("card", "model card") is { } card ? new ModelCardSettings(card, binder.Texts("requiredSections")) : null;

    public override GateResult Evaluate(GateContext context, ModelCardSettings settings)
    {
        var headings = Headings(settings.Card).ToHashSet();
        if (headings.Count == 0)
            throw new GateInputException(CardWithoutHeadings, $"{context.Root.Relative(settings.Card)} has no headings", context.RuleLocation);
        return new GateResult(settings.RequiredSections.Select(section => headings.Contains(section)
            ? Finding.Passed(context.Rule.Id, $"section/{section}", $"the model card has a section '{section}'", context.RuleLocation)
            : Finding.Failed(context.Rule.Id, $"section/{section}", $"the model card lacks a section '{section}'", context.RuleLocation)).ToList());
    }
}
