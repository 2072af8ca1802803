using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecMLOps.Gates.Provenance.Sigstore;

/// <summary>
/// The Fulcio certificate's embedded signed certificate timestamps (RFC 6962, section 3): at least one
/// must be signed by a certificate-transparency log of the trusted root, over the precertificate
/// (the certificate without its SCT extension) and the issuer's key, at a time that log was valid.
/// </summary>
public static class CertificateTransparencySteps
{
    private const string SctListOid = "1.3.6.1.4.1.11129.2.4.2";

    public static void Verify(X509Certificate2 leaf, X509Certificate2 issuer, TrustedRoot root)
    {
        var timestamps = SignedCertificateTimestamps(leaf);
        if (timestamps.Count == 0)
            throw new VerificationFailure(VerificationStep.CertificateTransparency, "the certificate carries no signed certificate timestamp");
        var precertificate = TbsWithoutSctList(leaf);
        var issuerKeyHash = SHA256.HashData(issuer.PublicKey.ExportSubjectPublicKeyInfo());
        foreach (var sct in timestamps)
        {
            var log = root.CertificateTransparencyLogs.FirstOrDefault(l => l.KeyId.AsSpan().SequenceEqual(sct.LogId));
            if (log?.Key is null || !log.ValidAt(sct.Time)) continue;
            if (log.Key.Verify(SignedData(sct, issuerKeyHash, precertificate), sct.Signature))
                return;
        }
        throw new VerificationFailure(VerificationStep.CertificateTransparency,
            $"none of the certificate's {timestamps.Count} signed certificate timestamps verifies with a certificate-transparency log of the trusted root");
    }

    private sealed record Sct(byte[] LogId, ulong Timestamp, byte[] Extensions, byte[] Signature)
    {
        public DateTimeOffset Time => DateTimeOffset.FromUnixTimeMilliseconds((long)Timestamp);
    }

    /// <summary>The TLS-encoded SignedCertificateTimestampList inside the extension's OCTET STRING.</summary>
    private static List<Sct> SignedCertificateTimestamps(X509Certificate2 leaf)
    {
        if (leaf.Extensions[SctListOid] is not { } extension)
            return [];
        try
        {
            ReadOnlySpan<byte> list = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadOctetString();
            var entries = new List<Sct>();
            var rest = Vector(ref list, 2);
            while (!rest.IsEmpty)
            {
                var sct = Vector(ref rest, 2);
                if (sct[0] != 0) continue; // only SCT v1 exists
                var logId = sct.Slice(1, 32).ToArray();
                var timestamp = BinaryPrimitives.ReadUInt64BigEndian(sct[33..]);
                var tail = sct[41..];
                var extensions = Vector(ref tail, 2).ToArray();
                tail = tail[2..]; // hash and signature algorithm; the log's key fixes both
                entries.Add(new Sct(logId, timestamp, extensions, Vector(ref tail, 2).ToArray()));
            }
            return entries;
        }
        catch (Exception e) when (e is AsnContentException or ArgumentOutOfRangeException or CryptographicException)
        {
            throw new VerificationFailure(VerificationStep.CertificateTransparency, $"the certificate's SCT list is malformed: {e.Message}");
        }
    }

    /// <summary>Reads a length-prefixed vector (big-endian length of <paramref name="lengthBytes"/> bytes) and advances past it.</summary>
    private static ReadOnlySpan<byte> Vector(ref ReadOnlySpan<byte> data, int lengthBytes)
    {
        var length = 0;
        for (var i = 0; i < lengthBytes; i++) length = (length << 8) | data[i];
        var vector = data.Slice(lengthBytes, length);
        data = data[(lengthBytes + length)..];
        return vector;
    }

    /// <summary>The TBSCertificate re-encoded without the SCT list extension: what the log saw as the precertificate.</summary>
    private static byte[] TbsWithoutSctList(X509Certificate2 leaf)
    {
        var extensionsTag = new Asn1Tag(TagClass.ContextSpecific, 3, isConstructed: true);
        var tbs = new AsnReader(leaf.RawData, AsnEncodingRules.DER).ReadSequence().ReadSequence();
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            while (tbs.HasData)
            {
                if (!tbs.PeekTag().HasSameClassAndValue(extensionsTag))
                {
                    writer.WriteEncodedValue(tbs.ReadEncodedValue().Span);
                    continue;
                }
                var extensions = tbs.ReadSequence(extensionsTag).ReadSequence();
                using (writer.PushSequence(extensionsTag))
                using (writer.PushSequence())
                    while (extensions.HasData)
                    {
                        var extension = extensions.ReadEncodedValue();
                        if (new AsnReader(extension, AsnEncodingRules.DER).ReadSequence().ReadObjectIdentifier() != SctListOid)
                            writer.WriteEncodedValue(extension.Span);
                    }
            }
        }
        return writer.Encode();
    }

    /// <summary>RFC 6962 digitally-signed data for a precertificate entry.</summary>
    private static byte[] SignedData(Sct sct, byte[] issuerKeyHash, byte[] precertificate)
    {
        var data = new List<byte> { 0, 0 }; // SCT version v1, signature type certificate_timestamp
        var timestamp = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(timestamp, sct.Timestamp);
        data.AddRange(timestamp);
        data.AddRange([0, 1]); // entry type precert_entry
        data.AddRange(issuerKeyHash);
        data.AddRange([(byte)(precertificate.Length >> 16), (byte)(precertificate.Length >> 8), (byte)precertificate.Length]);
        data.AddRange(precertificate);
        data.AddRange([(byte)(sct.Extensions.Length >> 8), (byte)sct.Extensions.Length]);
        data.AddRange(sct.Extensions);
        return [.. data];
    }
}
