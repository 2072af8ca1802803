using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SecMLOps.Gates.Provenance.ModelSigning;
using SecMLOps.Gates.Provenance.Sigstore;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Provenance;

/// <summary>OpenSSF model_signing fixtures (../shared/fixtures/model-signing), as their PROVENANCE.md states them.</summary>
public sealed class ModelSigningTests
{
    private static string Fixture(params string[] parts) => RepositoryLayout.Fixture(["model-signing", .. parts]);

    private static ModelSigningTrust Trust(string fixture) => fixture switch
    {
        "v1.1.0-sigstore" => new ModelSigningTrust(TrustedRoot.Parse(File.ReadAllText(RepositoryLayout.Fixture("sigstore", "trusted_root.public-good.json"))),
            new IdentityPolicy("https://sigstore.verify.ibm.com/oauth2", "stefanb@us.ibm.com", null), [], null),
        "v1.1.0-elliptic-key" => new ModelSigningTrust(null, null, [], Key()),
        _ => new ModelSigningTrust(null, null, [X509CertificateLoader.LoadCertificateFromFile(Fixture("keys", "ca-cert.pem"))], null),
    };

    private static ECDsa Key()
    {
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(Fixture("keys", "signing-key-pub.pem")));
        return key;
    }

    /// <summary>A copy of the fixture folder, to change at will.</summary>
    private static ScratchRepository Copy(string fixture)
    {
        var repo = new ScratchRepository();
        foreach (var file in Directory.GetFiles(Fixture(fixture)))
            File.Copy(file, repo.Full(Path.GetFileName(file)));
        return repo;
    }

    private static ModelManifest Verify(ScratchRepository model, ModelSigningTrust trust)
    {
        Directory.Delete(model.Full(".git"));
        return ModelSignatureVerifier.Verify(model.Path, model.Full("model.sig"), trust, new SigstoreVerifier());
    }

    [FixtureTheory]
    [InlineData("v1.1.0-sigstore", "61d4849d9d90076d6215f4d525f13d6574af8e3f67aef3e6f36fc40a14fdd226")]
    [InlineData("v1.1.0-certificate", "61d4849d9d90076d6215f4d525f13d6574af8e3f67aef3e6f36fc40a14fdd226")]
    [InlineData("v1.1.0-elliptic-key", "92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4")]
    public void Each_signed_model_verifies_and_its_manifest_root_is_the_stated_one(string fixture, string root)
    {
        using var model = Copy(fixture);
        File.WriteAllText(model.Full("ignore-me"), "changing an ignored file does not matter");
        var manifest = Verify(model, Trust(fixture));
        Assert.Equal(root, Convert.ToHexStringLower(manifest.RootDigest()));
        Assert.Equal(["signme-1", "signme-2"], manifest.Resources.Select(r => r.Name));
    }

    [FixtureFact]
    public void The_legacy_v0_2_format_is_refused_with_a_reason()
    {
        using var model = Copy("v0.2.0-certificate");
        var failure = Assert.Throws<VerificationFailure>(() => Verify(model, Trust("v0.2.0-certificate")));
        Assert.Contains("legacy", failure.Reason);
    }

    [FixtureTheory]
    [InlineData("changed")]
    [InlineData("extra")]
    [InlineData("missing")]
    public void A_changed_extra_or_missing_file_fails_the_manifest(string change)
    {
        using var model = Copy("v1.1.0-elliptic-key");
        switch (change)
        {
            case "changed": File.AppendAllText(model.Full("signme-1"), "x"); break;
            case "extra": File.WriteAllText(model.Full("extra"), "unsigned"); break;
            default: File.Delete(model.Full("signme-2")); break;
        }
        var failure = Assert.Throws<VerificationFailure>(() => Verify(model, Trust("v1.1.0-elliptic-key")));
        Assert.Equal("manifest", failure.Step);
    }

    [FixtureFact]
    public void A_changed_signature_or_the_wrong_method_fails()
    {
        using (var model = Copy("v1.1.0-elliptic-key"))
        {
            var text = File.ReadAllText(model.Full("model.sig"));
            var at = text.IndexOf("\"sig\"", StringComparison.Ordinal) + 12;
            File.WriteAllText(model.Full("model.sig"), text[..at] + (text[at] == 'A' ? 'B' : 'A') + text[(at + 1)..]);
            Assert.Equal(VerificationStep.Signature, Assert.Throws<VerificationFailure>(() => Verify(model, Trust("v1.1.0-elliptic-key"))).Step);
        }
        using (var model = Copy("v1.1.0-sigstore"))
            Assert.Throws<VerificationFailure>(() => Verify(model, new ModelSigningTrust(null, null, [], Key())));
    }
}

/// <summary>The provenance rule's `models` setting over a signed model directory.</summary>
public sealed class ModelSigningRuleTests
{
    [FixtureFact]
    public void A_signed_model_directory_passes_and_an_extra_file_fails_the_rule()
    {
        using var repo = new ScratchRepository();
        Directory.CreateDirectory(repo.Full("model"));
        foreach (var file in Directory.GetFiles(RepositoryLayout.Fixture("model-signing", "v1.1.0-certificate")))
            File.Copy(file, repo.Full(Path.Combine("model", Path.GetFileName(file))));
        File.Copy(RepositoryLayout.Fixture("model-signing", "keys", "ca-cert.pem"), repo.Full("ca.pem"));
        var policy = repo.Write("policy.yaml", """
            apiVersion: secmlops.gates/v1
            kind: GatePolicy
            metadata: {name: signed-dir, version: 1.0.0, owners: [ml-team]}
            spec:
              rules:
                - id: PROV-DIR
                  kind: provenance
                  enforcement: hard-mandatory
                  severity: critical
                  settings:
                    models:
                      - {directory: model, certificateAuthorities: [ca.pem]}
            """);
        var engine = new SecMLOps.Gates.Engine.GateEngine(SecMLOps.Gates.Cli.BuiltInGates.Registry);
        var request = new SecMLOps.Gates.Engine.EvaluationRequest([policy], repo.Root, Support.Policies.Today);
        Assert.Equal(SecMLOps.Gates.Engine.Verdict.Passed, engine.Evaluate(request).Verdict);
        File.WriteAllText(repo.Full("model/extra"), "unsigned");
        var finding = Assert.Single(engine.Evaluate(request).Findings);
        Assert.Contains("extra is on disk but not signed", finding.Finding.Message);
    }
}
