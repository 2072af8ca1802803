using System.Security.Cryptography.X509Certificates;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Provenance.ModelSigning;

/// <summary>A provenance rule's model directory with its model_signing signature and, for private PKI, its certificate authorities.</summary>
public sealed record SignedModelFolder(string Directory, string SignaturePath, IReadOnlyList<X509Certificate2> CertificateAuthorities, SourceLocation Location);
