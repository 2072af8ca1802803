using SecMLOps.Gates.Data;

namespace SecMLOps.Gates.Engine;

/// <summary>What <c>init</c> knows of the model it writes a policy for; each gate writes its own part from it.</summary>
/// <param name="RuleIdPrefix">Every rule id starts with it: SAMPLE-, or M-3D-UNET- for a name that starts with a digit.</param>
/// <param name="ThreatModelFile">The threat-model skeleton init writes beside the policy, relative to it.</param>
/// <param name="InputShape">One sample's shape, the batch left out.</param>
/// <param name="OutputShape">Reads the model's declared output shape (batch included); null where its format declares none.</param>
/// <param name="EvaluationFormat">The format of the data init declared as <c>spec.datasets.evaluation</c>; null when it was given none.</param>
public sealed record ScaffoldContext(string RuleIdPrefix, string ThreatModelFile, IReadOnlyList<long> InputShape, Func<long[]?> OutputShape, DatasetFormat? EvaluationFormat);

/// <summary>
/// A gate's part of the policy <c>init</c> writes, as lines of the rule list: a rule (commented out, with
/// the reason, where it cannot run yet), or, where it needs what init cannot know, a comment naming its page.
/// Rules come first, comments after, each in the registry's order. <paramref name="Mitigates"/> is the
/// serious threat the rule is evidence against, if any.
/// </summary>
public sealed record ScaffoldSection(IReadOnlyList<string> Lines, bool IsRule, ScaffoldThreat? Mitigates = null);

/// <summary>
/// A serious threat on an element of init's threat-model skeleton that a gate's rule is evidence against.
/// Init fills the first one offered (in the registry's order) in as the skeleton's worked example: the
/// threat, mitigated by a control whose evidence is the rule; as a comment while the rule cannot run.
/// </summary>
/// <param name="Element">The skeleton's element the threat is on.</param>
/// <param name="Category">Its STRIDE letter.</param>
/// <param name="Control">The control's description.</param>
/// <param name="RuleId">The rule whose verdict backs the control.</param>
/// <param name="RuleRuns">False where the section writes the rule commented out.</param>
public sealed record ScaffoldThreat(SkeletonElement Element, char Category, string Control, string RuleId, bool RuleRuns);

/// <summary>An element of the threat-model skeleton init writes: a typical training-to-serving path.</summary>
public sealed record SkeletonElement(string Id, string Name, string Type, string? From = null, string? To = null)
{
    public static SkeletonElement DataProvider { get; } = new("EE-1", "Data provider", "external-entity");
    public static SkeletonElement TrainingData { get; } = new("DS-1", "Training data", "data-store");
    public static SkeletonElement TrainingPipeline { get; } = new("P-1", "Training pipeline", "process");
    public static SkeletonElement ModelRegistry { get; } = new("DS-2", "Model registry", "data-store");
    public static SkeletonElement InferenceService { get; } = new("P-2", "Inference service", "process");
    public static SkeletonElement Client { get; } = new("EE-2", "Client", "external-entity");

    public static IReadOnlyList<SkeletonElement> All { get; } =
    [
        DataProvider, TrainingData, TrainingPipeline, ModelRegistry, InferenceService, Client,
        new("DF-1", "Ingest training data", "data-flow", DataProvider.Id, TrainingData.Id),
        new("DF-2", "Publish model", "data-flow", TrainingPipeline.Id, ModelRegistry.Id),
        new("DF-3", "Prediction requests", "data-flow", Client.Id, InferenceService.Id),
    ];
}
