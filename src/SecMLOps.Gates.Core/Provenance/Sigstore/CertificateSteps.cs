using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;

namespace SecMLOps.Gates.Provenance.Sigstore;

/// <summary>Who may sign: the certificate's SAN (exact, or a regular expression) and OIDC issuer.</summary>
public sealed record IdentityPolicy(string Issuer, string? SubjectAlternativeName, string? SubjectAlternativeNamePattern);

/// <summary>The Fulcio certificate: chain to a CA of the trusted root at the signing time, and the signer's identity.</summary>
public static class CertificateSteps
{
    private const string CodeSigning = "1.3.6.1.5.5.7.3.3";
    private const string IssuerV1 = "1.3.6.1.4.1.57264.1.1";
    private const string IssuerV2 = "1.3.6.1.4.1.57264.1.8";

    /// <summary>Returns the certificate that issued the leaf.</summary>
    public static X509Certificate2 VerifyChain(SigstoreBundle bundle, TrustedRoot root, DateTimeOffset signingTime)
    {
        var leaf = bundle.Leaf!;
        if (bundle.BundleChain.Skip(1).Any(c => c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData)))
            throw new VerificationFailure(VerificationStep.CertificateChain, "the bundle's certificate chain contains a root certificate; trust comes from the pinned root only");
        if (signingTime < leaf.NotBefore.ToUniversalTime() || signingTime > leaf.NotAfter.ToUniversalTime())
            throw new VerificationFailure(VerificationStep.SigningTime, $"the signing time {signingTime:u} is outside the certificate's validity ({leaf.NotBefore.ToUniversalTime():u} to {leaf.NotAfter.ToUniversalTime():u})");
        return root.Authorities.Where(a => a.ValidAt(signingTime)).Select(a => a.IssuerOf(leaf, signingTime, CodeSigning)).FirstOrDefault(i => i is not null)
            ?? throw new VerificationFailure(VerificationStep.CertificateChain, $"the certificate does not chain to a certificate authority of the trusted root valid at {signingTime:u}");
    }

    public static void VerifyIdentity(X509Certificate2 leaf, IdentityPolicy policy)
    {
        var issuer = Issuer(leaf) ?? throw new VerificationFailure(VerificationStep.Identity, "the certificate names no OIDC issuer");
        if (issuer != policy.Issuer)
            throw new VerificationFailure(VerificationStep.Identity, $"issuer '{issuer}' is not the allowed '{policy.Issuer}'");
        var names = SubjectAlternativeNames(leaf).ToList();
        var allowed = names.Any(n => n == policy.SubjectAlternativeName
            || (policy.SubjectAlternativeNamePattern is { } pattern && Regex.IsMatch(n, $"^(?:{pattern})$", RegexOptions.None, TimeSpan.FromSeconds(1))));
        if (!allowed)
            throw new VerificationFailure(VerificationStep.Identity, $"signer '{string.Join(", ", names)}' is not an allowed identity");
    }

    private static string? Issuer(X509Certificate2 certificate)
    {
        if (certificate.Extensions[IssuerV2] is { } v2)
            return new AsnReader(v2.RawData, AsnEncodingRules.DER).ReadCharacterString(UniversalTagNumber.UTF8String);
        return certificate.Extensions[IssuerV1] is { } v1 ? Encoding.UTF8.GetString(v1.RawData) : null;
    }

    /// <summary>URI (tag 6) and e-mail (tag 1) names of the SAN extension.</summary>
    private static IEnumerable<string> SubjectAlternativeNames(X509Certificate2 certificate)
    {
        if (certificate.Extensions["2.5.29.17"] is not { } extension)
            yield break;
        var names = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
        while (names.HasData)
        {
            var tag = names.PeekTag();
            if (tag.TagClass == TagClass.ContextSpecific && tag.TagValue is 1 or 6)
                yield return names.ReadCharacterString(UniversalTagNumber.IA5String, new Asn1Tag(TagClass.ContextSpecific, tag.TagValue));
            else
                names.ReadEncodedValue();
        }
    }
}
