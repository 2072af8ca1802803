using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace SecMLOps.Gates.Provenance.Sigstore;

/// <summary>A transparency log's key, by its key id, with its validity window.</summary>
public sealed record LogKey(byte[] KeyId, LogPublicKey? Key, string KeyDetails, DateTimeOffset Start, DateTimeOffset? End)
{
    public bool ValidAt(DateTimeOffset time) => Start <= time && (End is null || time <= End);
}

/// <summary>A certificate authority (Fulcio, or a timestamp authority): its chain (leaf-most first) and validity window.</summary>
public sealed record CertificateAuthority(IReadOnlyList<X509Certificate2> Chain, DateTimeOffset Start, DateTimeOffset? End)
{
    public bool ValidAt(DateTimeOffset time) => Start <= time && (End is null || time <= End);

    /// <summary>
    /// The certificate that issued <paramref name="certificate"/> when it chains to this authority's self-signed
    /// root at <paramref name="time"/> for the given extended key usage; otherwise null.
    /// </summary>
    public X509Certificate2? IssuerOf(X509Certificate2 certificate, DateTimeOffset time, string extendedKeyUsage)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = time.UtcDateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(extendedKeyUsage));
        foreach (var member in Chain)
            (member.SubjectName.RawData.AsSpan().SequenceEqual(member.IssuerName.RawData) ? chain.ChainPolicy.CustomTrustStore : chain.ChainPolicy.ExtraStore).Add(member);
        return chain.Build(certificate) && chain.ChainElements.Count > 1 ? chain.ChainElements[1].Certificate : null;
    }
}

/// <summary>A pinned Sigstore trusted root (trusted_root.json, media type ...trustedroot+json;version=0.1).</summary>
public sealed class TrustedRoot
{
    private TrustedRoot(IReadOnlyList<LogKey> logs, IReadOnlyList<LogKey> certificateTransparencyLogs, IReadOnlyList<CertificateAuthority> authorities, IReadOnlyList<CertificateAuthority> timestampAuthorities) =>
        (Logs, CertificateTransparencyLogs, Authorities, TimestampAuthorities) = (logs, certificateTransparencyLogs, authorities, timestampAuthorities);

    /// <summary>Transparency logs (Rekor).</summary>
    public IReadOnlyList<LogKey> Logs { get; }

    /// <summary>Certificate transparency logs, whose SCTs the Fulcio certificates carry.</summary>
    public IReadOnlyList<LogKey> CertificateTransparencyLogs { get; }
    public IReadOnlyList<CertificateAuthority> Authorities { get; }
    public IReadOnlyList<CertificateAuthority> TimestampAuthorities { get; }

    public static TrustedRoot Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var logs = root.GetProperty("tlogs").EnumerateArray().Select(ParseLog).ToList();
            var authorities = root.GetProperty("certificateAuthorities").EnumerateArray().Select(ParseAuthority).ToList();
            var certificateTransparencyLogs = root.TryGetProperty("ctlogs", out var ctlogs) ? ctlogs.EnumerateArray().Select(ParseLog).ToList() : [];
            var timestampAuthorities = root.TryGetProperty("timestampAuthorities", out var tsas) ? tsas.EnumerateArray().Select(ParseAuthority).ToList() : [];
            return new TrustedRoot(logs, certificateTransparencyLogs, authorities, timestampAuthorities);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or CryptographicException or InvalidOperationException or ArgumentException or OverflowException)
        {
            throw new MalformedMaterial(VerificationStep.TrustedRoot, $"the trusted root cannot be read: {e.Message}");
        }
    }

    private static CertificateAuthority ParseAuthority(JsonElement authority) => new(
        authority.GetProperty("certChain").GetProperty("certificates").EnumerateArray()
            .Select(c => X509CertificateLoader.LoadCertificate(Convert.FromBase64String(c.GetProperty("rawBytes").GetString()!))).ToList(),
        Start(authority.GetProperty("validFor")), End(authority.GetProperty("validFor")));

    private static LogKey ParseLog(JsonElement log)
    {
        var key = log.GetProperty("publicKey");
        var details = key.GetProperty("keyDetails").GetString()!;
        return new LogKey(Convert.FromBase64String(log.GetProperty("logId").GetProperty("keyId").GetString()!),
            LogPublicKey.FromTrustedRoot(details, Convert.FromBase64String(key.GetProperty("rawBytes").GetString()!)), details,
            Start(key.GetProperty("validFor")), End(key.GetProperty("validFor")));
    }

    private static DateTimeOffset Start(JsonElement validFor) => DateTimeOffset.Parse(validFor.GetProperty("start").GetString()!);

    private static DateTimeOffset? End(JsonElement validFor) =>
        validFor.TryGetProperty("end", out var end) ? DateTimeOffset.Parse(end.GetString()!) : null;

    public LogKey FindLog(byte[] keyId) =>
        Logs.FirstOrDefault(l => l.KeyId.AsSpan().SequenceEqual(keyId))
        ?? throw new VerificationFailure(VerificationStep.InclusionPromise, $"no transparency log with key id {Convert.ToBase64String(keyId)} in the trusted root");
}
