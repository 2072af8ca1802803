namespace SecMLOps.Gates.Findings;

/// <summary>The engine's own diagnostics: problems with the input rather than with the model.</summary>
public static class EngineRules
{
    public static readonly RuleDescriptor DocumentSyntax = Rule("SMG0001", "document-syntax",
        "The file is not well-formed YAML or JSON.",
        "A policy or threat model could not be parsed: a syntax error, a duplicate key, an alias, or more than one document.");

    public static readonly RuleDescriptor SchemaViolation = Rule("SMG0002", "schema-violation",
        "The file does not match its JSON Schema.",
        "Unknown keys, missing keys, wrong types and out-of-range values are errors; the schemas under policies/schema are the reference.");

    public static readonly RuleDescriptor PolicyInconsistent = Rule("SMG0003", "policy-inconsistent",
        "The policy contradicts itself.",
        "Duplicate rule ids, a waiver for a rule that does not exist, or a waiver for a hard-mandatory rule.");

    public static readonly RuleDescriptor PathOutsideRepository = Rule("SMG0004", "path-outside-repository",
        "A path leaves the repository.",
        "Every path a policy names is resolved relative to the policy file and must stay inside the repository root, symbolic links included.");

    public static readonly RuleDescriptor InputMissing = Rule("SMG0005", "input-missing",
        "A file the policy names does not exist or cannot be read.",
        "The gate fails closed: a rule whose input is missing is an error, never a pass.");

    public static readonly RuleDescriptor GateUnavailable = Rule("SMG0006", "gate-unavailable",
        "No gate is built for this rule kind.",
        "A rule whose kind has no registered gate is an error, never a pass.");

    public static readonly RuleDescriptor GateCrashed = Rule("SMG0007", "gate-crashed",
        "A gate stopped with an unexpected error.",
        "An internal error in a gate is reported as an error result and blocks the build.");

    public static readonly RuleDescriptor WaiverExpired = Rule("SMG0008", "waiver-expired",
        "A waiver has expired.",
        "Waivers carry an expiry date; once it has passed, the waiver is an error until it is renewed or removed.");

    public static readonly RuleDescriptor PolicyWeakened = Rule("SMG0101", "policy-weakened",
        "A change weakens a policy or threat model.",
        "secmlops-gate diff found a change that lets more through: a threshold lowered, an attack or strength removed, a rule removed or downgraded, a waiver added or extended, a STRIDE pair downgraded, a control removed. Reviewers should confirm it is intended.");

    public static readonly RuleDescriptor WeakeningWithoutVersionBump = Rule("SMG0102", "weakening-without-version-bump",
        "A weakening change does not raise metadata.version.",
        "Every weakening of a policy or threat model must come with a higher metadata.version, so that reviewers and auditors can tell the two apart.");

    public static IReadOnlyList<RuleDescriptor> All { get; } =
    [
        DocumentSyntax, SchemaViolation, PolicyInconsistent, PathOutsideRepository,
        InputMissing, GateUnavailable, GateCrashed, WaiverExpired, PolicyWeakened, WeakeningWithoutVersionBump,
    ];

    public static RuleDescriptor ById(string id) =>
        All.FirstOrDefault(r => r.Id == id) ?? throw new ArgumentException($"{id} is not an engine rule", nameof(id));

    private static RuleDescriptor Rule(string id, string name, string shortDescription, string fullDescription) =>
        new(id, name, shortDescription, fullDescription, $"{fullDescription} See docs/diagnostics.md#{id.ToLowerInvariant()}.", Severity.High);
}
