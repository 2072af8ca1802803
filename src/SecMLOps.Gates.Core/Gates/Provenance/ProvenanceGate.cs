using System.Security.Cryptography;
using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Gates.Provenance.Lineage;
using SecMLOps.Gates.Gates.Provenance.ModelSigning;
using SecMLOps.Gates.Gates.Provenance.Sigstore;

namespace SecMLOps.Gates.Gates.Provenance;

/// <summary>
/// Every listed artifact must carry a Sigstore bundle that verifies offline against the pinned
/// trusted root, signed by an allowed identity (or by the pinned public key).
/// </summary>
public sealed class ProvenanceGate(IBundleVerifier verifier) : IGate
{
    public ProvenanceGate() : this(new SigstoreVerifier())
    {
    }

    public string Kind => "provenance";
    public string SettingsDefinition => "provenanceSettings";
    public string Title => "Every artifact is signed by an allowed identity, and its training lineage is signed, verified offline against pinned trust material.";
    public string Description =>
        "Each artifact's Sigstore bundle must verify offline against the pinned trusted root: transparency-log entry (signed entry timestamp, " +
        "inclusion proof, checkpoint, logged body), signing time within the certificate's validity, certificate chain to a pinned Fulcio CA, " +
        "an allowed OIDC issuer and subject (or the pinned public key), and the signature over the artifact or its in-toto statement. " +
        "A signed lineage statement (DSSE, pinned ECDSA key) must name every artifact by sha256 and the policy's datasets by their digests.";

    public IEnumerable<Finding> Evaluate(GateContext context)
    {
        var settings = context.Rule.Settings;
        if (settings["artifacts"] is null && settings["models"] is null)
            throw new GateInputException(EngineRules.SchemaViolation, $"rule {context.Rule.Id} checks nothing: list artifacts (Sigstore bundles, lineage) or models (model_signing)", context.RuleLocation);
        if (settings["artifacts"] is not null && settings["trustedRoot"] is null && settings["lineage"] is null)
            throw new GateInputException(EngineRules.SchemaViolation, $"rule {context.Rule.Id} lists artifacts but neither trustedRoot (Sigstore bundles) nor lineage", context.RuleLocation);
        foreach (var finding in ModelSigningCheck.Run(context, verifier))
            yield return finding;
        var artifactPaths = (settings["artifacts"] as JArray ?? []).Select(a => context.ResolveExistingFile((string)a["path"]!, a["path"]!, "artifact")).ToList();
        if (settings["lineage"] is { } lineage)
            foreach (var finding in new LineageCheck(context, lineage, artifactPaths).Run())
                yield return finding;
        if (settings["trustedRoot"] is null)
            yield break;
        var root = TrustedRoot.Parse(File.ReadAllText(context.ResolveSettingPath("trustedRoot")));
        using var key = settings["publicKey"] is { } keySetting ? PinnedKeys.Load(context, keySetting, "publicKey") : null;
        var identities = (settings["identities"] as JArray ?? [])
            .Select(i => new IdentityPolicy((string)i["issuer"]!, (string?)i["subject"], (string?)i["subjectPattern"])).ToList();

        foreach (var artifact in settings["artifacts"] as JArray ?? [])
        {
            var at = context.Policy.Document.LocationOf(artifact);
            var path = context.ResolveExistingFile((string)artifact["path"]!, artifact["path"]!, "artifact");
            var bundlePath = artifact["bundle"] is { } b ? context.ResolveExistingFile((string)b!, b, "bundle") : context.ResolveExistingFile((string)artifact["path"]! + ".sigstore.json", artifact["path"]!, "bundle");
            var subject = context.Root.Relative(path);
            yield return Verify(context.Rule.Id, subject, path, bundlePath, root, identities, key, at);
        }
    }

    private Finding Verify(string ruleId, string subject, string path, string bundlePath, TrustedRoot root, IReadOnlyList<IdentityPolicy> identities, ECDsa? key, SourceLocation at)
    {
        var bundle = File.ReadAllText(bundlePath);
        var artifact = File.ReadAllBytes(path);
        VerificationFailure? last = null;
        // Each allowed identity is a separate policy; the artifact passes when one of them accepts the bundle.
        foreach (var identity in identities.Count > 0 ? identities.Cast<IdentityPolicy?>() : [null])
        {
            try
            {
                var time = verifier.Verify(new BundleVerificationRequest(bundle, artifact, root, identity, key, DateTimeOffset.UtcNow));
                return Finding.Passed(ruleId, subject, $"{subject} is signed ({Path.GetFileName(bundlePath)}), verified offline; signing time {time:u}", at,
                    new Dictionary<string, object> { ["signingTime"] = time.ToString("u"), ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(artifact)) });
            }
            catch (VerificationFailure failure)
            {
                last = failure;
                if (failure.Step != VerificationStep.Identity) break;
            }
        }
        return Finding.Failed(ruleId, subject, $"{subject}: verification failed at step {last!.Step}: {last.Reason}", at,
            new Dictionary<string, object> { ["step"] = last.Step });
    }

}
