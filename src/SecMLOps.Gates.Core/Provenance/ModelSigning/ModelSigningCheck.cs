using System.Security.Cryptography;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Provenance.Sigstore;

namespace SecMLOps.Gates.Provenance.ModelSigning;

/// <summary>The provenance rule's `models`: a model directory's model_signing signature, with the rule's trust material.</summary>
internal static class ModelSigningCheck
{
    public static Finding Run(GateContext context, SignedModelFolder model, TrustedRoot? root, IReadOnlyList<IdentityPolicy> identities, ECDsa? publicKey, IBundleVerifier verifier)
    {
        var subject = context.Root.Relative(model.Directory);
        VerificationFailure? failure = null;
        ModelManifest? manifest = null;
        var trustedRoot = model.CertificateAuthorities.Count > 0 ? null : root;
        foreach (var identity in identities.Count > 0 ? identities.Cast<IdentityPolicy?>() : [null])
        {
            try
            {
                manifest = ModelSignatureVerifier.Verify(model.Directory, model.SignaturePath, new ModelSigningTrust(trustedRoot, identity, model.CertificateAuthorities, publicKey), verifier);
                break;
            }
            catch (VerificationFailure e)
            {
                failure = e;
                if (e.Step != VerificationStep.Identity) break;
            }
        }
        foreach (var file in Directory.EnumerateFiles(model.Directory, "*", SearchOption.AllDirectories)) context.RecordInput(file);
        return manifest is not null
            ? Finding.Passed(context.Rule.Id, subject, $"{subject}: the model_signing signature verifies and its manifest of {manifest.Resources.Count} files equals the directory", model.Location,
                new Dictionary<string, object> { ["manifestRoot"] = Convert.ToHexStringLower(manifest.RootDigest()) })
            : Finding.Failed(context.Rule.Id, subject, $"{subject}: model_signing verification failed at step {failure!.Step}: {failure.Reason}", model.Location,
                new Dictionary<string, object> { ["step"] = failure.Step });
    }
}
