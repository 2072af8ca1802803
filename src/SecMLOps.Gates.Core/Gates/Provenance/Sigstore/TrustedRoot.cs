using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace SecMLOps.Gates.Gates.Provenance.Sigstore;

/// <summary>A transparency log's key, by its key id, with its validity window.</summary>
public sealed record LogKey(byte[] KeyId, ECDsa? Key, string KeyDetails, DateTimeOffset Start, DateTimeOffset? End);

/// <summary>A certificate authority: its chain (leaf-most first) and validity window.</summary>
public sealed record CertificateAuthority(IReadOnlyList<X509Certificate2> Chain, DateTimeOffset Start, DateTimeOffset? End);

/// <summary>A pinned Sigstore trusted root (trusted_root.json, media type ...trustedroot+json;version=0.1).</summary>
public sealed class TrustedRoot
{
    private TrustedRoot(IReadOnlyList<LogKey> logs, IReadOnlyList<CertificateAuthority> authorities) => (Logs, Authorities) = (logs, authorities);

    public IReadOnlyList<LogKey> Logs { get; }
    public IReadOnlyList<CertificateAuthority> Authorities { get; }

    public static TrustedRoot Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var logs = root.GetProperty("tlogs").EnumerateArray().Select(ParseLog).ToList();
            var authorities = root.GetProperty("certificateAuthorities").EnumerateArray().Select(ca => new CertificateAuthority(
                ca.GetProperty("certChain").GetProperty("certificates").EnumerateArray()
                    .Select(c => X509CertificateLoader.LoadCertificate(Convert.FromBase64String(c.GetProperty("rawBytes").GetString()!))).ToList(),
                Start(ca.GetProperty("validFor")), End(ca.GetProperty("validFor")))).ToList();
            return new TrustedRoot(logs, authorities);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or CryptographicException or InvalidOperationException)
        {
            throw new VerificationFailure(VerificationStep.TrustedRoot, $"the trusted root cannot be read: {e.Message}");
        }
    }

    private static LogKey ParseLog(JsonElement log)
    {
        var key = log.GetProperty("publicKey");
        var details = key.GetProperty("keyDetails").GetString()!;
        ECDsa? ecdsa = null;
        if (details.StartsWith("PKIX_ECDSA", StringComparison.Ordinal))
        {
            ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(key.GetProperty("rawBytes").GetString()!), out _);
        }
        return new LogKey(Convert.FromBase64String(log.GetProperty("logId").GetProperty("keyId").GetString()!), ecdsa, details,
            Start(key.GetProperty("validFor")), End(key.GetProperty("validFor")));
    }

    private static DateTimeOffset Start(JsonElement validFor) => DateTimeOffset.Parse(validFor.GetProperty("start").GetString()!);

    private static DateTimeOffset? End(JsonElement validFor) =>
        validFor.TryGetProperty("end", out var end) ? DateTimeOffset.Parse(end.GetString()!) : null;

    public LogKey FindLog(byte[] keyId) =>
        Logs.FirstOrDefault(l => l.KeyId.AsSpan().SequenceEqual(keyId))
        ?? throw new VerificationFailure(VerificationStep.InclusionPromise, $"no transparency log with key id {Convert.ToBase64String(keyId)} in the trusted root");
}
