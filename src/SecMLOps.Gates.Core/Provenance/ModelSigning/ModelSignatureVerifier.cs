using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SecMLOps.Gates.Provenance.Sigstore;

namespace SecMLOps.Gates.Provenance.ModelSigning;

/// <summary>How a model_signing signature is to be checked.</summary>
public sealed record ModelSigningTrust(TrustedRoot? SigstoreRoot, IdentityPolicy? Identity, IReadOnlyList<X509Certificate2> CertificateAuthorities, ECDsa? PublicKey);

/// <summary>
/// Verifies an OpenSSF model_signing signature (model.sig, a Sigstore bundle with a DSSE in-toto
/// statement) over a model directory: the signature (Sigstore keyless, a certificate chain to pinned
/// CAs, or a pinned key), then the whole manifest against the directory on disk.
/// </summary>
public static class ModelSignatureVerifier
{
    public static ModelManifest Verify(string directory, string signaturePath, ModelSigningTrust trust, IBundleVerifier sigstore)
    {
        var json = File.ReadAllText(signaturePath);
        var bundle = SigstoreBundle.Parse(json);
        var envelope = bundle.Envelope ?? throw new VerificationFailure(VerificationStep.Bundle, "model.sig has no DSSE envelope");
        ModelManifest declared;
        try
        {
            declared = ModelManifest.FromStatement(envelope.Payload);
        }
        catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new VerificationFailure(VerificationStep.Subject, e.Message);
        }

        if (trust.SigstoreRoot is { } root)
        {
            sigstore.Verify(new BundleVerificationRequest(json, [], root, trust.Identity, trust.PublicKey, DateTimeOffset.UtcNow, declared.RootDigest()));
        }
        else
        {
            var key = bundle.UsesPublicKey
                ? trust.PublicKey ?? throw new VerificationFailure(VerificationStep.Signature, "model.sig is signed with a key, but no public key is pinned")
                : VerifyCertificate(bundle, trust.CertificateAuthorities);
            SignatureSteps.VerifyEnvelope(envelope, key);
            SignatureSteps.VerifySubjectDigest(envelope, declared.RootDigest());
        }

        var onDisk = ModelManifest.FromDirectory(directory, declared.IgnorePaths, Path.GetRelativePath(directory, signaturePath).Replace(Path.DirectorySeparatorChar, '/'));
        var problems = Differences(declared, onDisk).ToList();
        if (problems.Count > 0)
            throw new VerificationFailure("manifest", string.Join("; ", problems));
        return declared;
    }

    private static IEnumerable<string> Differences(ModelManifest signed, ModelManifest disk)
    {
        var expected = signed.Resources.ToDictionary(r => r.Name, r => r.Sha256);
        var actual = disk.Resources.ToDictionary(r => r.Name, r => r.Sha256);
        foreach (var (name, digest) in expected)
        {
            if (!actual.TryGetValue(name, out var found)) yield return $"{name} is signed but missing";
            else if (found != digest) yield return $"{name} changed: signed sha256 {digest}, on disk {found}";
        }
        foreach (var name in actual.Keys.Where(n => !expected.ContainsKey(n)))
            yield return $"{name} is on disk but not signed";
    }

    private static ECDsa VerifyCertificate(SigstoreBundle bundle, IReadOnlyList<X509Certificate2> authorities)
    {
        if (authorities.Count == 0)
            throw new VerificationFailure(VerificationStep.CertificateChain, "model.sig is signed with a certificate, but no certificate authority is pinned");
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        foreach (var authority in authorities) chain.ChainPolicy.CustomTrustStore.Add(authority);
        foreach (var intermediate in bundle.BundleChain.Skip(1)) chain.ChainPolicy.ExtraStore.Add(intermediate);
        if (!chain.Build(bundle.Leaf!))
            throw new VerificationFailure(VerificationStep.CertificateChain,
                $"the signing certificate does not chain to a pinned certificate authority: {string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()))}");
        return bundle.Leaf!.GetECDsaPublicKey() ?? throw new VerificationFailure(VerificationStep.CertificateChain, "the signing certificate's key is not ECDSA");
    }
}
