using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SecMLOps.Gates.Provenance.Sigstore;

/// <summary>The signature itself: over the artifact (message signature) or over the DSSE envelope, whose in-toto subject must be the artifact.</summary>
public static class SignatureSteps
{
    public static void VerifyMessageSignature(SigstoreBundle bundle, byte[] artifact, byte[] artifactDigest, ECDsa key)
    {
        if (bundle.MessageDigest is { } digest && !digest.AsSpan().SequenceEqual(artifactDigest))
            throw new VerificationFailure(VerificationStep.Signature, "the bundle's message digest is not the artifact's sha256");
        if (!key.VerifyData(artifact, bundle.MessageSignature!, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
            throw new VerificationFailure(VerificationStep.Signature, "the signature does not verify over the artifact");
    }

    public static void VerifyEnvelope(DsseEnvelope envelope, ECDsa key)
    {
        var signed = PreAuthenticationEncoding(envelope.PayloadType, envelope.Payload);
        if (envelope.Signatures.Count == 0 || !envelope.Signatures.All(s => key.VerifyData(signed, s, HashFor(key), DSASignatureFormat.Rfc3279DerSequence)))
            throw new VerificationFailure(VerificationStep.Signature, "the DSSE envelope's signature does not verify");
    }

    /// <summary>ECDSA's hash follows the curve: P-256 with SHA-256, P-384 with SHA-384, P-521 with SHA-512.</summary>
    public static HashAlgorithmName HashFor(ECDsa key) => key.KeySize switch
    {
        384 => HashAlgorithmName.SHA384,
        521 => HashAlgorithmName.SHA512,
        _ => HashAlgorithmName.SHA256,
    };

    /// <summary>DSSE v1 PAE: "DSSEv1" SP len(type) SP type SP len(body) SP body.</summary>
    public static byte[] PreAuthenticationEncoding(string payloadType, byte[] payload) =>
        [.. Encoding.UTF8.GetBytes($"DSSEv1 {Encoding.UTF8.GetByteCount(payloadType)} {payloadType} {payload.Length} "), .. payload];

    /// <summary>
    /// An in-toto statement binds by subject digest, not by signature: it must name <paramref name="expectedDigest"/>
    /// (sha256) among its subjects.
    /// </summary>
    public static void VerifySubjectDigest(DsseEnvelope envelope, byte[] expectedDigest)
    {
        if (envelope.PayloadType != "application/vnd.in-toto+json")
            throw new VerificationFailure(VerificationStep.Subject, $"payload type {envelope.PayloadType} is not an in-toto statement");
        using var statement = JsonDocument.Parse(envelope.Payload);
        var expected = Convert.ToHexStringLower(expectedDigest);
        var found = statement.RootElement.GetProperty("subject").EnumerateArray()
            .Any(s => s.TryGetProperty("digest", out var d) && d.TryGetProperty("sha256", out var sha) && sha.GetString() == expected);
        if (!found)
            throw new VerificationFailure(VerificationStep.Subject, $"no subject of the statement has the artifact's sha256 {expected}");
    }
}
