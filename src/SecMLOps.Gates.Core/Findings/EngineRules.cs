namespace SecMLOps.Gates.Findings;

/// <summary>
/// The engine's own diagnostics: problems with the input (or with the tool) rather than with the
/// model. Each is an error that blocks and cannot be waived; docs/diagnostics.md explains each.
/// </summary>
public static class EngineRules
{
    public static readonly RuleDescriptor DocumentSyntax = Diagnostic("SMG0001", "document-syntax",
        "The file is not well-formed YAML or JSON.",
        "A policy or threat model could not be parsed: a syntax error, a duplicate key, an alias, a custom tag, more than one document, or a document that is not a mapping.");

    public static readonly RuleDescriptor SchemaViolation = Diagnostic("SMG0002", "schema-violation",
        "The file does not match its JSON Schema.",
        "Unknown keys, missing keys, wrong types, out-of-range values and settings that do not fit together are errors; the schemas under policies/schema are the reference.");

    public static readonly RuleDescriptor PolicyInconsistent = Diagnostic("SMG0003", "policy-inconsistent",
        "The policy or threat model contradicts itself.",
        "Duplicate rule ids (across every evaluated policy), a waiver for a rule that does not exist or is hard-mandatory, a rule naming a dataset or model the policy does not declare, a threat model naming an element or control it does not declare.");

    public static readonly RuleDescriptor PathRefused = Diagnostic("SMG0004", "path-refused",
        "A path is absolute, leaves the repository, loops or holds a NUL character.",
        "Every path a policy names is resolved relative to the policy file and must stay inside the repository root, symbolic links included; so must every file a folder input holds, and a folder input holds no link to a folder.");

    public static readonly RuleDescriptor InputMissing = Diagnostic("SMG0005", "input-missing",
        "A file the policy names does not exist, or is a folder where a file is expected.",
        "The gate fails closed: a rule whose input is missing is an error, never a pass.");

    public static readonly RuleDescriptor GateUnavailable = Diagnostic("SMG0006", "gate-unavailable",
        "No gate is built for this rule kind.",
        "A rule whose kind has no registered gate is an error, never a pass.");

    public static readonly RuleDescriptor GateCrashed = Diagnostic("SMG0007", "gate-crashed",
        "A gate stopped with an unexpected error: a defect of the tool.",
        "An internal error in a gate is reported as an error result, blocks the build and makes the run exit with code 3; it is never read as a pass. Please report it.");

    public static readonly RuleDescriptor WaiverExpired = Diagnostic("SMG0008", "waiver-expired",
        "A waiver has expired.",
        "Waivers carry an expiry date; once it has passed, the waiver is an error until it is renewed or removed.");

    public static readonly RuleDescriptor InputMalformed = Diagnostic("SMG0009", "input-malformed",
        "An input file is corrupt or does not hold what its format promises.",
        "A dataset, model, bundle, trusted root, key or envelope that cannot be read as its format (a bad gzip checksum, a truncated file, a label outside the model's classes, a value outside valueRange, a non-finite number) is an error naming the file and, where it has lines, the place.");

    public static readonly RuleDescriptor UnsupportedModelFeature = Diagnostic("SMG0010", "unsupported-model-feature",
        "The model uses something the gate cannot run faithfully.",
        "An ONNX operator, attribute or opset the gate's executor does not implement, external tensor data, or an input layout it cannot attack is refused by name, rather than being run differently from the model's own runtime.");

    public static readonly RuleDescriptor OutputRefused = Diagnostic("SMG0011", "output-refused",
        "An output path would overwrite an input, a tracked file or the .git folder.",
        "Report files, plots and quarantine files may not be an input of the evaluation, a policy, a file git tracks or anything under .git, and may not name an existing folder; nothing is written when one does.");

    public static readonly RuleDescriptor InputIntegrity = Diagnostic("SMG0012", "input-integrity",
        "A file does not match its pinned sha256.",
        "A dataset whose file no longer matches the digest the policy pins is not evaluated by any rule: the gate will not vouch for data it cannot verify.");

    public static readonly RuleDescriptor ModelContentRefused = Diagnostic("SMG0014", "model-content-refused",
        "The model file holds more than a forward pass needs, so no runtime opens it.",
        "Loading a model runs what it holds. Before libtorch reads a TorchScript archive, the gate checks its members, every pickle's opcodes and globals, and every operator its code calls against allow-lists; a pickle global, an operator (such as one that reads or maps a file) or a member outside them is refused by name. Before ONNX Runtime opens an ONNX model, tensors whose data lives in other files, model-local functions, non-standard operator domains and sparse tensors (at any depth of subgraphs) and fields of the format the gate does not read are refused the same way.");

    public static readonly RuleDescriptor PartialMismatch = Diagnostic("SMG0015", "partial-mismatch",
        "A shard's partial evaluation does not belong to the evaluation being merged.",
        "merge combines the parts of a sharded evaluation only when each was made by the same tool build from the same policy and inputs the merge sees, and every shard that should hold a rule's part holds it; otherwise the rule is an error, never a pass.");

    public static readonly RuleDescriptor PolicyWeakened = Diagnostic("SMG0101", "policy-weakened",
        "A change weakens a policy or threat model.",
        "secmlops-gate diff found a change that lets more through: a threshold lowered, an attack or strength removed, a rule removed or downgraded, a waiver added or extended, a STRIDE pair downgraded, a control removed. Reviewers should confirm it is intended.");

    public static readonly RuleDescriptor WeakeningWithoutVersionBump = Diagnostic("SMG0102", "weakening-without-version-bump",
        "A weakening change does not raise the major part of metadata.version.",
        "Every weakening of a policy or threat model must come with a higher major metadata.version (a weakening is a breaking change to what the policy guarantees), so that reviewers and auditors can tell the two apart.");

    public static IReadOnlyList<RuleDescriptor> All { get; } =
    [
        DocumentSyntax, SchemaViolation, PolicyInconsistent, PathRefused, InputMissing, GateUnavailable, GateCrashed,
        WaiverExpired, InputMalformed, UnsupportedModelFeature, OutputRefused, InputIntegrity, ModelContentRefused,
        PartialMismatch, PolicyWeakened, WeakeningWithoutVersionBump,
    ];

    public static RuleDescriptor ById(string id) =>
        All.FirstOrDefault(r => r.Id == id) ?? throw new ArgumentException($"{id} is not an engine rule", nameof(id));

    /// <summary>A diagnostic documented in docs/diagnostics.md under its id; gates make their own with it too.</summary>
    public static RuleDescriptor Diagnostic(string id, string name, string shortDescription, string fullDescription) =>
        new(id, name, shortDescription, fullDescription, $"{fullDescription} See docs/diagnostics.md#{id.ToLowerInvariant()}.", Severity.High,
            ToolInfo.DocumentationUri($"docs/diagnostics.md#{id.ToLowerInvariant()}"));
}
