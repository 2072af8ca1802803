using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace SecMLOps.Gates.Provenance.Sigstore;

/// <summary>One transparency-log entry of a bundle.</summary>
public sealed record TlogEntry(
    long LogIndex, byte[] LogKeyId, string Kind, string KindVersion, long? IntegratedTime, byte[] CanonicalizedBody,
    byte[]? SignedEntryTimestamp, InclusionProof? Proof);

public sealed record InclusionProof(long LogIndex, byte[] RootHash, long TreeSize, IReadOnlyList<byte[]> Hashes, string? Checkpoint);

public sealed record DsseEnvelope(string PayloadType, byte[] Payload, IReadOnlyList<byte[]> Signatures);

/// <summary>A parsed Sigstore bundle (media types v0.1 to v0.3): verification material and either a message signature or a DSSE envelope.</summary>
public sealed record SigstoreBundle(
    string MediaType,
    X509Certificate2? Leaf,
    IReadOnlyList<X509Certificate2> BundleChain,
    bool UsesPublicKey,
    IReadOnlyList<TlogEntry> Entries,
    byte[]? MessageDigest,
    byte[]? MessageSignature,
    DsseEnvelope? Envelope,
    IReadOnlyList<byte[]> Rfc3161Timestamps)
{
    private static readonly string[] MediaTypes =
    [
        "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "application/vnd.dev.sigstore.bundle+json;version=0.2",
        "application/vnd.dev.sigstore.bundle+json;version=0.3",
        "application/vnd.dev.sigstore.bundle.v0.3+json",
    ];

    public bool IsV01 => MediaType.EndsWith("version=0.1", StringComparison.Ordinal);

    /// <summary>The signature a timestamp authority stamps: the message signature, or the envelope's first.</summary>
    public byte[] StampedSignature => MessageSignature ?? Envelope!.Signatures.FirstOrDefault() ?? [];

    public static SigstoreBundle Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var mediaType = root.GetProperty("mediaType").GetString()!;
            if (!MediaTypes.Contains(mediaType))
                throw new VerificationFailure(VerificationStep.Bundle, $"unsupported bundle media type '{mediaType}'");
            var material = root.GetProperty("verificationMaterial");
            var chain = new List<X509Certificate2>();
            if (material.TryGetProperty("x509CertificateChain", out var x509Chain))
                chain.AddRange(x509Chain.GetProperty("certificates").EnumerateArray().Select(c => Certificate(c.GetProperty("rawBytes").GetString()!)));
            else if (material.TryGetProperty("certificate", out var certificate))
                chain.Add(Certificate(certificate.GetProperty("rawBytes").GetString()!));
            var usesKey = material.TryGetProperty("publicKey", out _);
            if (chain.Count == 0 && !usesKey)
                throw new VerificationFailure(VerificationStep.Bundle, "the bundle has neither a certificate nor a public key hint");

            var entries = material.TryGetProperty("tlogEntries", out var tlog) ? tlog.EnumerateArray().Select(Entry).ToList() : [];
            var timestamps = material.TryGetProperty("timestampVerificationData", out var stamps) && stamps.TryGetProperty("rfc3161Timestamps", out var rfc3161)
                ? rfc3161.EnumerateArray().Select(t => Convert.FromBase64String(t.GetProperty("signedTimestamp").GetString()!)).ToList()
                : [];
            byte[]? digest = null, signature = null;
            DsseEnvelope? envelope = null;
            if (root.TryGetProperty("messageSignature", out var message))
            {
                signature = Convert.FromBase64String(message.GetProperty("signature").GetString()!);
                if (message.TryGetProperty("messageDigest", out var d))
                {
                    // The artifact is hashed with SHA-256 to compare; a digest declared under another name is not that digest.
                    if (d.GetProperty("algorithm").GetString() != "SHA2_256")
                        throw new VerificationFailure(VerificationStep.Bundle, $"the message digest's algorithm is {d.GetProperty("algorithm")}, not SHA2_256");
                    digest = Convert.FromBase64String(d.GetProperty("digest").GetString()!);
                }
            }
            else if (root.TryGetProperty("dsseEnvelope", out var dsse))
            {
                envelope = new DsseEnvelope(dsse.GetProperty("payloadType").GetString()!, Convert.FromBase64String(dsse.GetProperty("payload").GetString()!),
                    dsse.GetProperty("signatures").EnumerateArray().Select(s => Convert.FromBase64String(s.GetProperty("sig").GetString()!)).ToList());
            }
            else
            {
                throw new VerificationFailure(VerificationStep.Bundle, "the bundle has neither a messageSignature nor a dsseEnvelope");
            }
            return new SigstoreBundle(mediaType, chain.FirstOrDefault(), chain, usesKey, entries, digest, signature, envelope, timestamps);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException or ArgumentException or OverflowException or System.Security.Cryptography.CryptographicException)
        {
            throw new MalformedMaterial(VerificationStep.Bundle, $"the bundle is malformed: {e.Message}");
        }
    }

    private static X509Certificate2 Certificate(string base64) => X509CertificateLoader.LoadCertificate(Convert.FromBase64String(base64));

    private static TlogEntry Entry(JsonElement entry)
    {
        var kind = entry.GetProperty("kindVersion");
        InclusionProof? proof = null;
        if (entry.TryGetProperty("inclusionProof", out var p))
            proof = new InclusionProof(
                long.Parse(p.GetProperty("logIndex").GetString()!),
                Convert.FromBase64String(p.GetProperty("rootHash").GetString()!),
                long.Parse(p.GetProperty("treeSize").GetString()!),
                p.GetProperty("hashes").EnumerateArray().Select(h => Convert.FromBase64String(h.GetString()!)).ToList(),
                p.TryGetProperty("checkpoint", out var c) ? c.GetProperty("envelope").GetString() : null);
        return new TlogEntry(
            long.Parse(entry.GetProperty("logIndex").GetString()!),
            Convert.FromBase64String(entry.GetProperty("logId").GetProperty("keyId").GetString()!),
            kind.GetProperty("kind").GetString()!, kind.GetProperty("version").GetString()!,
            entry.TryGetProperty("integratedTime", out var t) ? long.Parse(t.GetString()!) : null,
            Convert.FromBase64String(entry.GetProperty("canonicalizedBody").GetString()!),
            entry.TryGetProperty("inclusionPromise", out var promise) ? Convert.FromBase64String(promise.GetProperty("signedEntryTimestamp").GetString()!) : null,
            proof);
    }
}
