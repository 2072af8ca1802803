using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace SecMLOps.Gates.Provenance.Sigstore;

/// <summary>
/// A transparency or certificate-transparency log's public key: ECDSA and RSA on the BCL, Ed25519
/// (Rekor v2) on BouncyCastle because the BCL has no Ed25519.
/// </summary>
public abstract class LogPublicKey
{
    /// <summary>Checks a signature over <paramref name="data"/> (ECDSA hashes it with its curve's SHA-2, RSA with SHA-256; Ed25519 signs it whole).</summary>
    public abstract bool Verify(byte[] data, byte[] signature);

    /// <summary>The key for a trusted root's <c>keyDetails</c> and DER key (SubjectPublicKeyInfo, or PKCS#1 for PKCS1_RSA_*), or null for a key type the gate does not know.</summary>
    public static LogPublicKey? FromTrustedRoot(string keyDetails, byte[] encodedKey)
    {
        if (keyDetails.StartsWith("PKCS1_RSA_PKCS1V5", StringComparison.Ordinal) || keyDetails.StartsWith("PKIX_RSA_PKCS1V", StringComparison.Ordinal))
        {
            var rsa = RSA.Create();
            if (keyDetails.StartsWith("PKCS1", StringComparison.Ordinal))
                rsa.ImportRSAPublicKey(encodedKey, out _);
            else
                rsa.ImportSubjectPublicKeyInfo(encodedKey, out _);
            return new Rsa(rsa);
        }
        if (keyDetails.StartsWith("PKIX_ECDSA", StringComparison.Ordinal))
        {
            var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(encodedKey, out _);
            return new Ecdsa(ecdsa);
        }
        if (keyDetails == "PKIX_ED25519")
        {
            if (PublicKeyFactory.CreateKey(encodedKey) is not Ed25519PublicKeyParameters ed25519)
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

    private sealed class Rsa(RSA key) : LogPublicKey
    {
        public override bool Verify(byte[] data, byte[] signature) =>
            key.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
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
