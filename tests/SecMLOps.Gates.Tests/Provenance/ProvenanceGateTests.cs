using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Provenance;

/// <summary>The provenance rule end to end, on a real Sigstore bundle from the conformance fixtures.</summary>
public sealed class ProvenanceGateTests
{
    private const string Policy = """
        apiVersion: secmlops.gates/v1
        kind: GatePolicy
        metadata:
          name: signed-model
          version: 1.0.0
          owners: [ml-team]
        spec:
          rules:
            - id: PROV-1
              kind: provenance
              enforcement: hard-mandatory
              severity: critical
              settings:
                trustedRoot: trust/trusted_root.json
                artifacts:
                  - {path: model/a.txt, bundle: model/a.txt.sigstore.json}
                identities:
                  - issuer: https://token.actions.githubusercontent.com
                    subjectPattern: IDENTITY
        """;

    private static EvaluationReport Evaluate(ScratchRepository repo, string identity = @"https://github\.com/sigstore-conformance/.+@refs/heads/main")
    {
        var path = repo.Write("policy.yaml", Policy.Replace("IDENTITY", $"'{identity}'"));
        return new GateEngine(BuiltInGates.Registry).Evaluate(new EvaluationRequest([path], repo.Root, Support.Policies.Today));
    }

    private static ScratchRepository SignedArtifact()
    {
        var repo = new ScratchRepository();
        Directory.CreateDirectory(repo.Full("model"));
        Directory.CreateDirectory(repo.Full("trust"));
        File.Copy(RepositoryLayout.Fixture("sigstore", "conformance", "a.txt"), repo.Full("model/a.txt"));
        File.Copy(RepositoryLayout.Fixture("sigstore", "conformance", "happy-path-v0.3", "bundle.sigstore.json"), repo.Full("model/a.txt.sigstore.json"));
        File.Copy(RepositoryLayout.Fixture("sigstore", "trusted_root.public-good.json"), repo.Full("trust/trusted_root.json"));
        return repo;
    }

    [FixtureFact]
    public void A_signed_artifact_from_an_allowed_identity_passes()
    {
        using var repo = SignedArtifact();
        var report = Evaluate(repo);
        Assert.Equal(Verdict.Passed, report.Verdict);
        Assert.Contains("2024-03-19", Assert.Single(report.Findings).Finding.Message);
    }

    [FixtureFact]
    public void One_changed_byte_of_the_artifact_fails_naming_the_step()
    {
        using var repo = SignedArtifact();
        var bytes = File.ReadAllBytes(repo.Full("model/a.txt"));
        bytes[3] ^= 0x20;
        File.WriteAllBytes(repo.Full("model/a.txt"), bytes);
        var finding = Assert.Single(Evaluate(repo).Findings);
        Assert.Equal(Outcome.Failed, finding.Outcome);
        Assert.Contains("verification failed at step tlog-body", finding.Finding.Message);
    }

    [FixtureFact]
    public void A_valid_signature_by_an_identity_outside_the_allowed_list_fails()
    {
        using var repo = SignedArtifact();
        var finding = Assert.Single(Evaluate(repo, @"https://github\.com/my-org/.+").Findings);
        Assert.Equal(Outcome.Failed, finding.Outcome);
        Assert.Contains("step identity", finding.Finding.Message);
    }

    [FixtureFact]
    public void A_missing_bundle_is_an_input_error()
    {
        using var repo = SignedArtifact();
        File.Delete(repo.Full("model/a.txt.sigstore.json"));
        var report = Evaluate(repo);
        Assert.Equal(Verdict.Error, report.Verdict);
        Assert.Equal(EngineRules.InputMissing.Id, Assert.Single(report.Findings).Rule.Id);
    }
}
