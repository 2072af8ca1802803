using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace SecMLOps.Gates.Gates.Provenance.Sigstore;

/// <summary>
/// A transparency log's public key: ECDSA (Rekor v1) on the BCL, Ed25519 (Rekor v2) on
/// BouncyCastle because the BCL has no Ed25519.
/// </summary>
public abstract class LogPublicKey
{
    /// <summary>Checks a signature over <paramref name="data"/> (ECDSA hashes it with its curve's SHA-2; Ed25519 signs it whole).</summary>
    public abstract bool Verify(byte[] data, byte[] signature);

    /// <summary>The key for a trusted root's <c>keyDetails</c> and DER SubjectPublicKeyInfo, or null for a key type the gate does not know.</summary>
    public static LogPublicKey? FromSubjectPublicKeyInfo(string keyDetails, byte[] subjectPublicKeyInfo)
    {
        if (keyDetails.StartsWith("PKIX_ECDSA", StringComparison.Ordinal))
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
            return new Ecdsa(ecdsa);
        }
        if (keyDetails == "PKIX_ED25519")
        {
            if (PublicKeyFactory.CreateKey(subjectPublicKeyInfo) is not Ed25519PublicKeyParameters ed25519)
                throw new CryptographicException("the key marked PKIX_ED25519 is not an Ed25519 key");
            return new Ed25519(ed25519);
        }
        return null;
    }

    private sealed class Ecdsa(ECDsa key) : LogPublicKey
    {
        public override bool Verify(byte[] data, byte[] signature) =>
            key.VerifyData(data, signature, SignatureSteps.HashFor(key), DSASignatureFormat.Rfc3279DerSequence);
    }

    private sealed class Ed25519(Ed25519PublicKeyParameters key) : LogPublicKey
    {
        public override bool Verify(byte[] data, byte[] signature)
        {
            var signer = new Ed25519Signer();
            signer.Init(false, key);
            signer.BlockUpdate(data, 0, data.Length);
            return signer.VerifySignature(signature);
        }
    }
}
