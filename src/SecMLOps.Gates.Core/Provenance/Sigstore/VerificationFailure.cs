namespace SecMLOps.Gates.Provenance.Sigstore;

/// <summary>Verification steps, named so that every failure says which one failed.</summary>
public static class VerificationStep
{
    public const string Bundle = "bundle";
    public const string TrustedRoot = "trusted-root";
    public const string CertificateChain = "certificate-chain";
    public const string CertificateTransparency = "certificate-transparency";
    public const string Identity = "identity";
    public const string SigningTime = "signing-time";
    public const string Timestamp = "timestamp";
    public const string TlogBody = "tlog-body";
    public const string InclusionPromise = "inclusion-promise";
    public const string InclusionProof = "inclusion-proof";
    public const string Checkpoint = "checkpoint";
    public const string Signature = "signature";
    public const string Subject = "in-toto-subject";
}

/// <summary>A failed verification step and why.</summary>
public class VerificationFailure(string step, string reason) : Exception($"{step}: {reason}")
{
    public string Step { get; } = step;
    public string Reason { get; } = reason;
}

/// <summary>
/// Trust material or a signature file that does not parse (not JSON, truncated, bad base64): a bad
/// input rather than a signature that fails to verify, so the gate reports it as an input error.
/// </summary>
public sealed class MalformedMaterial(string step, string reason) : VerificationFailure(step, reason);
