using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace SecMLOps.Gates.Provenance.Sigstore;

/// <summary>What to verify and against what: the bundle, the artifact, the pinned root, and either an identity policy or a public key.</summary>
/// <param name="SubjectDigest">For DSSE statements about something other than <paramref name="Artifact"/> (a model directory's manifest root): the sha256 the statement must name.</param>
public sealed record BundleVerificationRequest(string BundleJson, byte[] Artifact, TrustedRoot Root, IdentityPolicy? Identity, ECDsa? PublicKey, DateTimeOffset Now, byte[]? SubjectDigest = null);

/// <summary>The seam a Sigstore client package can fill later.</summary>
public interface IBundleVerifier
{
    /// <summary>Returns the earliest verified signing time; throws <see cref="VerificationFailure"/> naming the failed step.</summary>
    DateTimeOffset Verify(BundleVerificationRequest request);
}

/// <summary>
/// Offline Sigstore bundle verification on the BCL's crypto (BouncyCastle for Ed25519 and RFC 3161 tokens), step by step as the Sigstore client
/// specification orders them: parse, transparency log (body, SET, inclusion proof, checkpoint),
/// signing times (integrated times and RFC 3161 timestamps), certificate chain, its SCTs and identity (or the given key), then the signature.
/// </summary>
public sealed class SigstoreVerifier : IBundleVerifier
{
    public DateTimeOffset Verify(BundleVerificationRequest request)
    {
        var step = new CurrentStep();
        try
        {
            return Verify(request, step);
        }
        catch (Exception e) when (e is not VerificationFailure and (JsonException or FormatException or CryptographicException or AsnContentException
                                      or KeyNotFoundException or InvalidOperationException or ArgumentException or OverflowException or IndexOutOfRangeException or IOException))
        {
            // Signed material that does not decode (a flipped certificate byte, a NUL in the log entry's
            // body) is a tampered bundle: the step it broke fails, never the tool.
            throw new VerificationFailure(step.Name, $"the bundle's material does not decode: {e.Message}");
        }
    }

    /// <summary>The step under way, so a decoding error deep in a parser is charged to it.</summary>
    private sealed class CurrentStep
    {
        public string Name { get; set; } = VerificationStep.Bundle;
    }

    private static DateTimeOffset Verify(BundleVerificationRequest request, CurrentStep step)
    {
        var bundle = SigstoreBundle.Parse(request.BundleJson);
        var digest = SHA256.HashData(request.Artifact);
        if (bundle.Entries.Count == 0)
            throw new VerificationFailure(VerificationStep.InclusionProof, "the bundle has no transparency-log entry");

        ECDsa key;
        byte[] signerMaterial;
        step.Name = VerificationStep.CertificateChain;
        if (bundle.UsesPublicKey)
        {
            key = request.PublicKey ?? throw new VerificationFailure(VerificationStep.Signature, "the bundle is signed with a key, but no public key was given");
            signerMaterial = key.ExportSubjectPublicKeyInfo();
        }
        else
        {
            key = bundle.Leaf!.GetECDsaPublicKey() ?? throw new VerificationFailure(VerificationStep.CertificateChain, "the certificate's key is not ECDSA");
            signerMaterial = bundle.Leaf!.RawData;
        }

        var signingTimes = new List<DateTimeOffset>();
        foreach (var entry in bundle.Entries)
        {
            step.Name = VerificationStep.TlogBody;
            TransparencyLogSteps.VerifyBody(entry, bundle, digest, signerMaterial);
            step.Name = VerificationStep.InclusionPromise;
            if (entry.SignedEntryTimestamp is not null)
                TransparencyLogSteps.VerifyInclusionPromise(entry, request.Root);
            else if (bundle.IsV01)
                throw new VerificationFailure(VerificationStep.InclusionPromise, "a v0.1 bundle needs a signed entry timestamp");
            if (entry.Proof is null && !bundle.IsV01)
                throw new VerificationFailure(VerificationStep.InclusionProof, "the entry has no inclusion proof; the gate does not look entries up online");
            if (entry.Proof is not null)
            {
                step.Name = VerificationStep.InclusionProof;
                TransparencyLogSteps.VerifyInclusionProof(entry);
                step.Name = VerificationStep.Checkpoint;
                // v0.1 bundles predate checkpoints; their signed entry timestamp is the log's promise.
                if (entry.Proof.Checkpoint is not null || !bundle.IsV01)
                    TransparencyLogSteps.VerifyCheckpoint(entry, request.Root);
            }
            if (entry.IntegratedTime is { } seconds)
                signingTimes.Add(DateTimeOffset.FromUnixTimeSeconds(seconds));
        }
        step.Name = VerificationStep.Timestamp;
        signingTimes.AddRange(TimestampSteps.Verify(bundle.Rfc3161Timestamps, bundle.StampedSignature, request.Root));
        if (signingTimes.Count == 0)
            throw new VerificationFailure(VerificationStep.SigningTime, "no verified signing time: no entry has an integrated time and the bundle has no RFC 3161 timestamp");
        if (signingTimes.Max() is var latest && latest > request.Now)
            throw new VerificationFailure(VerificationStep.SigningTime, $"the signing time {latest:u} is in the future");

        if (!bundle.UsesPublicKey)
        {
            // The certificate must be valid at every verified signing time, as the client specification requires.
            step.Name = VerificationStep.CertificateChain;
            X509Certificate2? issuer = null;
            foreach (var time in signingTimes)
                issuer = CertificateSteps.VerifyChain(bundle, request.Root, time);
            step.Name = VerificationStep.CertificateTransparency;
            CertificateTransparencySteps.Verify(bundle.Leaf!, issuer!, request.Root);
            step.Name = VerificationStep.Identity;
            CertificateSteps.VerifyIdentity(bundle.Leaf!, request.Identity ?? throw new VerificationFailure(VerificationStep.Identity, "no identity policy was given"));
        }
        step.Name = VerificationStep.Signature;
        if (bundle.Envelope is { } envelope)
        {
            SignatureSteps.VerifyEnvelope(envelope, key);
            SignatureSteps.VerifySubjectDigest(envelope, request.SubjectDigest ?? digest);
        }
        else
        {
            SignatureSteps.VerifyMessageSignature(bundle, request.Artifact, digest, key);
        }
        return signingTimes.Min();
    }
}
