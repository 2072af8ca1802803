using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Gates.Provenance.Sigstore;

namespace SecMLOps.Gates.Gates.Provenance.ModelSigning;

/// <summary>The provenance rule's `models`: each model directory's model_signing signature, with the rule's trust material.</summary>
internal static class ModelSigningCheck
{
    public static IEnumerable<Finding> Run(GateContext context, IBundleVerifier verifier)
    {
        var settings = context.Rule.Settings;
        if (settings["models"] is not JArray models)
            yield break;
        var root = settings["trustedRoot"] is not null ? TrustedRoot.Parse(File.ReadAllText(context.ResolveSettingPath("trustedRoot"))) : null;
        using var key = settings["publicKey"] is { } keySetting ? PinnedKeys.Load(context, keySetting, "publicKey") : null;
        var identities = (settings["identities"] as JArray ?? []).Select(i => (IdentityPolicy?)new IdentityPolicy((string)i["issuer"]!, (string?)i["subject"], (string?)i["subjectPattern"])).ToList();
        foreach (var model in models)
        {
            var at = context.Policy.Document.LocationOf(model);
            var directory = context.Root.Resolve(context.Policy.Directory, (string)model["directory"]!, context.Policy.Document.LocationOf(model["directory"]!));
            if (!Directory.Exists(directory))
                throw new GateInputException(EngineRules.InputMissing, $"model directory '{model["directory"]}' does not exist", at);
            var signature = model["signature"] is { } s ? context.ResolveExistingFile((string)s!, s, "signature") : context.ResolveExistingFile(Path.Combine((string)model["directory"]!, "model.sig"), model["directory"]!, "signature");
            var authorities = (model["certificateAuthorities"] as JArray ?? [])
                .Select(c => X509CertificateLoader.LoadCertificateFromFile(context.ResolveExistingFile((string)c!, c, "certificate authority"))).ToList();
            var subject = context.Root.Relative(directory);
            VerificationFailure? failure = null;
            ModelManifest? manifest = null;
            foreach (var identity in identities.Count > 0 ? identities : [null])
            {
                try
                {
                    manifest = ModelSignatureVerifier.Verify(directory, signature, new ModelSigningTrust(authorities.Count > 0 ? null : root, identity, authorities, key), verifier);
                    break;
                }
                catch (VerificationFailure e)
                {
                    failure = e;
                    if (e.Step != VerificationStep.Identity) break;
                }
            }
            foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)) context.RecordInput(file);
            yield return manifest is not null
                ? Finding.Passed(context.Rule.Id, subject, $"{subject}: the model_signing signature verifies and its manifest of {manifest.Resources.Count} files equals the directory", at,
                    new Dictionary<string, object> { ["manifestRoot"] = Convert.ToHexStringLower(manifest.RootDigest()) })
                : Finding.Failed(context.Rule.Id, subject, $"{subject}: model_signing verification failed at step {failure!.Step}: {failure.Reason}", at,
                    new Dictionary<string, object> { ["step"] = failure.Step });
        }
    }
}
