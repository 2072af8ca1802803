using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using SecMLOps.Gates.Provenance.Sigstore;

namespace SecMLOps.Gates.Provenance.Lineage;

/// <summary>DSSE envelopes signed with ECDSA P-256 keys (PEM), for teams that sign without Sigstore (air-gapped).</summary>
public static class DsseEnvelopes
{
    public const string InTotoPayloadType = "application/vnd.in-toto+json";

    public static string Sign(byte[] payload, string payloadType, ECDsa privateKey)
    {
        var signature = privateKey.SignData(SignatureSteps.PreAuthenticationEncoding(payloadType, payload), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var envelope = new JsonObject
        {
            ["payloadType"] = payloadType,
            ["payload"] = Convert.ToBase64String(payload),
            ["signatures"] = new JsonArray(new JsonObject
            {
                ["keyid"] = KeyId(privateKey),
                ["sig"] = Convert.ToBase64String(signature),
            }),
        };
        return envelope.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Reads an envelope; one that does not parse is <see cref="MalformedMaterial"/>.</summary>
    public static DsseEnvelope Parse(string envelopeJson)
    {
        try
        {
            using var document = JsonDocument.Parse(envelopeJson);
            var root = document.RootElement;
            return new DsseEnvelope(root.GetProperty("payloadType").GetString()!, Convert.FromBase64String(root.GetProperty("payload").GetString()!),
                root.GetProperty("signatures").EnumerateArray().Select(s => Convert.FromBase64String(s.GetProperty("sig").GetString()!)).ToList());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException or ArgumentException)
        {
            throw new MalformedMaterial(VerificationStep.Bundle, $"the envelope is malformed: {e.Message}");
        }
    }

    /// <summary>Returns the payload when a signature verifies with the key; otherwise fails at the signature step.</summary>
    public static byte[] Verify(string envelopeJson, string payloadType, ECDsa publicKey)
    {
        var envelope = Parse(envelopeJson);
        if (envelope.PayloadType != payloadType)
            throw new VerificationFailure(VerificationStep.Bundle, $"payload type {envelope.PayloadType} is not {payloadType}");
        var signed = SignatureSteps.PreAuthenticationEncoding(envelope.PayloadType, envelope.Payload);
        if (!envelope.Signatures.Any(s => publicKey.VerifyData(signed, s, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)))
            throw new VerificationFailure(VerificationStep.Signature, "no signature of the envelope verifies with the pinned public key");
        return envelope.Payload;
    }

    /// <summary>The sha256 of the key's SubjectPublicKeyInfo, hex: which key signed.</summary>
    public static string KeyId(ECDsa key) => Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
}
