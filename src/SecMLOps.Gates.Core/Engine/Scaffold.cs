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
/// Rules come first, comments after, each in the registry's order.
/// </summary>
public sealed record ScaffoldSection(IReadOnlyList<string> Lines, bool IsRule);
