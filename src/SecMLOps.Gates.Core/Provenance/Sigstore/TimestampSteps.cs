using System.Security.Cryptography;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tsp;

namespace SecMLOps.Gates.Provenance.Sigstore;

/// <summary>
/// RFC 3161 timestamps as signing times (Rekor v2 entries carry no integrated time): each must be
/// granted, stamp the bundle's signature, and be signed by a timestamp authority of the trusted
/// root whose certificate chains to that authority at the stamped time.
/// </summary>
public static class TimestampSteps
{
    private const string TimeStamping = "1.3.6.1.5.5.7.3.8";

    public static IReadOnlyList<DateTimeOffset> Verify(IReadOnlyList<byte[]> responses, byte[] signature, TrustedRoot root) =>
        responses.Select(response => VerifyOne(response, signature, root)).ToList();

    private static DateTimeOffset VerifyOne(byte[] encodedResponse, byte[] signature, TrustedRoot root)
    {
        TimeStampToken token;
        try
        {
            var response = new TimeStampResponse(encodedResponse);
            if (response.Status is not (0 or 1))
                throw new VerificationFailure(VerificationStep.Timestamp, $"the timestamp authority did not grant the timestamp (status {response.Status})");
            token = response.TimeStampToken ?? throw new VerificationFailure(VerificationStep.Timestamp, "the timestamp response holds no token");
        }
        catch (Exception e) when (e is TspException or IOException or ArgumentException or InvalidCastException)
        {
            throw new VerificationFailure(VerificationStep.Timestamp, $"the timestamp is not an RFC 3161 response: {e.Message}");
        }

        var info = token.TimeStampInfo;
        var imprint = info.MessageImprintAlgOid switch
        {
            "2.16.840.1.101.3.4.2.1" => SHA256.HashData(signature),
            "2.16.840.1.101.3.4.2.2" => SHA384.HashData(signature),
            "2.16.840.1.101.3.4.2.3" => SHA512.HashData(signature),
            var other => throw new VerificationFailure(VerificationStep.Timestamp, $"the timestamp's hash algorithm {other} is not supported"),
        };
        if (!imprint.AsSpan().SequenceEqual(info.GetMessageImprintDigest()))
            throw new VerificationFailure(VerificationStep.Timestamp, "the timestamp is not over the bundle's signature");

        var time = new DateTimeOffset(DateTime.SpecifyKind(info.GenTime, DateTimeKind.Utc));
        foreach (var authority in root.TimestampAuthorities.Where(a => a.ValidAt(time)))
            if (SignedBy(token, authority, time))
                return time;
        throw new VerificationFailure(VerificationStep.Timestamp, $"the timestamp of {time:u} is not signed by a timestamp authority of the trusted root valid at that time");
    }

    private static bool SignedBy(TimeStampToken token, CertificateAuthority authority, DateTimeOffset time)
    {
        var signer = authority.Chain[0];
        try
        {
            token.Validate(DotNetUtilities.FromX509Certificate(signer));
        }
        catch (Exception e) when (e is TspException or CryptographicException or ArgumentException)
        {
            return false;
        }
        return authority.IssuerOf(signer, time, TimeStamping) is not null;
    }
}
