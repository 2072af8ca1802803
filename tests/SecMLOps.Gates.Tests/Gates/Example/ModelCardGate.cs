using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Tests.Gates.Example;

/// <summary>The settings of the example rule kind: the model card and the sections it must have.</summary>
internal sealed record ModelCardSettings(string Card, IReadOnlyList<string> RequiredSections);

/// <summary>
/// A rule kind that only a test registers: adding a gate takes this folder (the gate and its
/// settings schema) and one line in a registry; the schema, validate, the diff and the docs follow.
/// </summary>
internal sealed class ModelCardGate : Gate<ModelCardSettings>
{
    public const string Kind = "model-card";

    public override GateDescriptor Descriptor { get; } = new(Kind, "The model card has the sections reviewers need.",
        "The model card must have a heading for every required section.", GateDescriptor.EmbeddedSettingsSchema(typeof(ModelCardGate), Kind));

    public override ModelCardSettings? Bind(SettingsBinder binder) =>
        binder.InputFile("card", "model card") is { } card ? new ModelCardSettings(card, binder.Texts("requiredSections")) : null;

    public override GateResult Evaluate(GateContext context, ModelCardSettings settings)
    {
        var headings = File.ReadAllLines(settings.Card).Where(l => l.StartsWith('#')).Select(l => l.TrimStart('#').Trim()).ToHashSet();
        return new GateResult(settings.RequiredSections.Select(section => headings.Contains(section)
            ? Finding.Passed(context.Rule.Id, $"section/{section}", $"the model card has a section '{section}'", context.RuleLocation)
            : Finding.Failed(context.Rule.Id, $"section/{section}", $"the model card lacks a section '{section}'", context.RuleLocation)).ToList());
    }
}
