namespace SecMLOps.Gates.Tests.Support;

/// <summary>Small valid documents; a bad-input test changes one part of one of them.</summary>
internal static class Policies
{
    public static string StridePolicy(string threatModel = "threat-model.yaml", string rules = "", string waivers = "", string enforcement = "hard-mandatory", string settings = "") => $"""
        apiVersion: secmlops.gates/v1
        kind: GatePolicy
        metadata:
          name: test-policy
          version: 1.0.0
          owners: [security-team]
        spec:
          rules:
            - id: STRIDE-1
              kind: stride-coverage
              enforcement: {enforcement}
              severity: high
              settings:
                threatModel: {threatModel}
        {settings}
        {rules}
        {waivers}
        """;

    public static string ThreatModel(string elements, string controls = "") => $"""
        apiVersion: secmlops.gates/v1
        kind: ThreatModel
        metadata:
          name: test-model
          version: 1.0.0
          owners: [security-team]
        spec:
          elements:
        {elements}
        {controls}
        """;

    /// <summary>An external entity with both applicable categories assessed, low risk.</summary>
    public const string AssessedEntity = """
            - id: EE-1
              name: User
              type: external-entity
              threats:
                - {category: S, likelihood: L, impact: low, status: open, assessed: 2026-11-01}
                - {category: R, likelihood: L, impact: low, status: open, assessed: 2026-11-01}
        """;

    public static readonly DateOnly Today = new(2026, 11, 22);
}
