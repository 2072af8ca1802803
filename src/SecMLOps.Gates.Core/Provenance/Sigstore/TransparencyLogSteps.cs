using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SecMLOps.Gates.Provenance.Sigstore;

/// <summary>Offline checks of a Rekor entry: its signed entry timestamp, its RFC 6962 inclusion proof and its signed checkpoint.</summary>
public static class TransparencyLogSteps
{
    /// <summary>The SET is the log's signature over the canonical JSON of body, integratedTime, logID and logIndex.</summary>
    public static void VerifyInclusionPromise(TlogEntry entry, TrustedRoot root)
    {
        if (entry.SignedEntryTimestamp is null || entry.IntegratedTime is null)
            throw new VerificationFailure(VerificationStep.InclusionPromise, "the entry has no signed entry timestamp");
        var log = root.FindLog(entry.LogKeyId);
        var key = log.Key ?? throw new VerificationFailure(VerificationStep.InclusionPromise, $"log key type {log.KeyDetails} is not supported");
        var integrated = DateTimeOffset.FromUnixTimeSeconds(entry.IntegratedTime.Value);
        if (!log.ValidAt(integrated))
            throw new VerificationFailure(VerificationStep.InclusionPromise, $"the log's key in the trusted root is not valid at the integrated time {integrated:u}");
        var payload = $"{{\"body\":\"{Convert.ToBase64String(entry.CanonicalizedBody)}\",\"integratedTime\":{entry.IntegratedTime},\"logID\":\"{Convert.ToHexStringLower(entry.LogKeyId)}\",\"logIndex\":{entry.LogIndex}}}";
        if (!key.Verify(Encoding.UTF8.GetBytes(payload), entry.SignedEntryTimestamp))
            throw new VerificationFailure(VerificationStep.InclusionPromise, "the signed entry timestamp does not verify with the log's key");
    }

    /// <summary>Recomputes the Merkle root from the entry's leaf and the proof (RFC 6962, section 2.1.1).</summary>
    public static void VerifyInclusionProof(TlogEntry entry)
    {
        var proof = entry.Proof ?? throw new VerificationFailure(VerificationStep.InclusionProof, "the entry has no inclusion proof");
        if (proof.LogIndex < 0 || proof.LogIndex >= proof.TreeSize)
            throw new VerificationFailure(VerificationStep.InclusionProof, $"leaf index {proof.LogIndex} is outside a tree of size {proof.TreeSize}");
        var index = (ulong)proof.LogIndex;
        var last = (ulong)proof.TreeSize - 1;
        var inner = 64 - System.Numerics.BitOperations.LeadingZeroCount(index ^ last);
        var border = System.Numerics.BitOperations.PopCount(index >> inner);
        if (proof.Hashes.Count != inner + border)
            throw new VerificationFailure(VerificationStep.InclusionProof, $"the proof has {proof.Hashes.Count} hashes, expected {inner + border}");
        var hash = SHA256.HashData([0x00, .. entry.CanonicalizedBody]);
        for (var i = 0; i < inner; i++)
            hash = ((index >> i) & 1) == 0 ? Children(hash, proof.Hashes[i]) : Children(proof.Hashes[i], hash);
        for (var i = inner; i < proof.Hashes.Count; i++)
            hash = Children(proof.Hashes[i], hash);
        if (!hash.AsSpan().SequenceEqual(proof.RootHash))
            throw new VerificationFailure(VerificationStep.InclusionProof, "the inclusion proof does not lead to the stated root hash");
    }

    private static byte[] Children(byte[] left, byte[] right) => SHA256.HashData([0x01, .. left, .. right]);

    /// <summary>The checkpoint is a signed note whose size and root hash must be the proof's, signed by the log.</summary>
    public static void VerifyCheckpoint(TlogEntry entry, TrustedRoot root)
    {
        var proof = entry.Proof!;
        var note = proof.Checkpoint ?? throw new VerificationFailure(VerificationStep.Checkpoint, "the inclusion proof has no checkpoint");
        var split = note.IndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
            throw new VerificationFailure(VerificationStep.Checkpoint, "the checkpoint is not a signed note");
        var body = note[..(split + 1)];
        var lines = body.Split('\n');
        if (lines.Length < 4 || !long.TryParse(lines[1], out var size))
            throw new VerificationFailure(VerificationStep.Checkpoint, "the checkpoint body is malformed");
        if (size != proof.TreeSize || lines[2] != Convert.ToBase64String(proof.RootHash))
            throw new VerificationFailure(VerificationStep.Checkpoint, "the checkpoint's tree size or root hash differs from the inclusion proof's");

        var log = root.FindLog(entry.LogKeyId);
        var key = log.Key ?? throw new VerificationFailure(VerificationStep.Checkpoint, $"log key type {log.KeyDetails} is not supported");
        foreach (var line in note[(split + 2)..].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!line.StartsWith("\u2014 ", StringComparison.Ordinal)) continue;
            var signed = Convert.FromBase64String(line[(line.LastIndexOf(' ') + 1)..]);
            if (signed.Length <= 4 || !signed.AsSpan(0, 4).SequenceEqual(entry.LogKeyId.AsSpan(0, 4))) continue;
            if (key.Verify(Encoding.UTF8.GetBytes(body), signed[4..]))
                return;
        }
        throw new VerificationFailure(VerificationStep.Checkpoint, "no checkpoint signature verifies with the log's key");
    }

    /// <summary>The logged entry must be about this artifact, this signature and this signer.</summary>
    public static void VerifyBody(TlogEntry entry, SigstoreBundle bundle, byte[] artifactDigest, byte[] signerPublicMaterial)
    {
        using var document = JsonDocument.Parse(entry.CanonicalizedBody);
        var spec = document.RootElement.GetProperty("spec");
        switch ($"{entry.Kind} {entry.KindVersion}")
        {
            case "hashedrekord 0.0.1":
                var hash = spec.GetProperty("data").GetProperty("hash");
                Require(hash.GetProperty("value").GetString() == Convert.ToHexStringLower(artifactDigest), "the logged digest is not the artifact's");
                Require(bundle.MessageSignature is { } sig && Convert.FromBase64String(spec.GetProperty("signature").GetProperty("content").GetString()!).AsSpan().SequenceEqual(sig),
                    "the logged signature is not the bundle's");
                Require(PemDer(spec.GetProperty("signature").GetProperty("publicKey").GetProperty("content").GetString()!).AsSpan().SequenceEqual(signerPublicMaterial),
                    "the logged signer is not the bundle's");
                break;
            case "hashedrekord 0.0.2":
                var v2 = spec.GetProperty("hashedRekordV002");
                var data = v2.GetProperty("data");
                Require(data.GetProperty("algorithm").GetString() == "SHA2_256" && Convert.FromBase64String(data.GetProperty("digest").GetString()!).AsSpan().SequenceEqual(artifactDigest),
                    "the logged digest is not the artifact's");
                Require(bundle.MessageSignature is { } signature && Convert.FromBase64String(v2.GetProperty("signature").GetProperty("content").GetString()!).AsSpan().SequenceEqual(signature),
                    "the logged signature is not the bundle's");
                var verifier = v2.GetProperty("signature").GetProperty("verifier");
                var logged = verifier.TryGetProperty("x509Certificate", out var certificate) ? certificate : verifier.GetProperty("publicKey");
                Require(Convert.FromBase64String(logged.GetProperty("rawBytes").GetString()!).AsSpan().SequenceEqual(signerPublicMaterial),
                    "the logged signer is not the bundle's");
                break;
            case "dsse 0.0.1":
                var envelope = bundle.Envelope ?? throw new VerificationFailure(VerificationStep.TlogBody, "a dsse entry needs a DSSE envelope");
                Require(spec.GetProperty("payloadHash").GetProperty("value").GetString() == Convert.ToHexStringLower(SHA256.HashData(envelope.Payload)),
                    "the logged payload hash is not the envelope's");
                var loggedSignatures = spec.GetProperty("signatures").EnumerateArray()
                    .Select(s => (Signature: Convert.FromBase64String(s.GetProperty("signature").GetString()!), Verifier: PemDer(s.GetProperty("verifier").GetString()!))).ToList();
                Require(envelope.Signatures.Count == loggedSignatures.Count && envelope.Signatures.All(s => loggedSignatures.Any(l => l.Signature.AsSpan().SequenceEqual(s) && l.Verifier.AsSpan().SequenceEqual(signerPublicMaterial))),
                    "the logged signatures are not the envelope's");
                break;
            case "intoto 0.0.2":
                var content = spec.GetProperty("content");
                var env = bundle.Envelope ?? throw new VerificationFailure(VerificationStep.TlogBody, "an intoto entry needs a DSSE envelope");
                Require(content.GetProperty("payloadHash").GetProperty("value").GetString() == Convert.ToHexStringLower(SHA256.HashData(env.Payload)),
                    "the logged payload hash is not the envelope's");
                var signatures = content.GetProperty("envelope").GetProperty("signatures").EnumerateArray()
                    .Select(s => Convert.FromBase64String(Encoding.UTF8.GetString(Convert.FromBase64String(s.GetProperty("sig").GetString()!)))).ToList();
                Require(env.Signatures.All(s => signatures.Any(l => l.AsSpan().SequenceEqual(s))), "the logged signatures are not the envelope's");
                break;
            default:
                throw new VerificationFailure(VerificationStep.TlogBody, $"log entries of kind {entry.Kind} {entry.KindVersion} are not supported");
        }
    }

    private static void Require(bool condition, string reason)
    {
        if (!condition) throw new VerificationFailure(VerificationStep.TlogBody, reason);
    }

    /// <summary>The DER inside a base64-encoded PEM block (certificate or public key).</summary>
    private static byte[] PemDer(string base64Pem)
    {
        var pem = Encoding.UTF8.GetString(Convert.FromBase64String(base64Pem));
        var fields = PemEncoding.Find(pem);
        return Convert.FromBase64String(pem[fields.Base64Data]);
    }
}
