using System.Security.Cryptography;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Policies;
using SecMLOps.Gates.Provenance.Lineage;
using SecMLOps.Gates.Provenance.ModelSigning;
using SecMLOps.Gates.Provenance.Sigstore;

namespace SecMLOps.Gates.Provenance;

/// <summary>
/// Every listed artifact must carry a Sigstore bundle that verifies offline against the pinned
/// trusted root, signed by an allowed identity (or by the pinned public key); a signed lineage
/// statement must describe the artifacts and the policy's datasets; signed model folders must match
/// their model_signing manifest.
/// </summary>
public sealed class ProvenanceGate(IBundleVerifier verifier) : Gate<ProvenanceSettings>
{
    public const string Kind = "provenance";

    public ProvenanceGate() : this(new SigstoreVerifier())
    {
    }

    public override GateDescriptor Descriptor { get; } = new(
        Kind,
        "Every artifact is signed by an allowed identity, and its training lineage is signed, verified offline against pinned trust material.",
        "Each artifact's Sigstore bundle must verify offline against the pinned trusted root: transparency-log entry (signed entry timestamp, " +
        "inclusion proof, checkpoint, logged body), signing time within the certificate's validity, certificate chain to a pinned Fulcio CA, " +
        "an allowed OIDC issuer and subject (or the pinned public key), and the signature over the artifact or its in-toto statement. " +
        "A signed lineage statement (DSSE, pinned ECDSA key) must name every artifact by sha256 and the policy's datasets by their digests. " +
        "Model folders signed with OpenSSF model_signing must match their signed manifest file for file.",
        GateDescriptor.EmbeddedSettingsSchema(typeof(ProvenanceGate), Kind));

    public override ProvenanceSettings? Bind(SettingsBinder binder) => ProvenanceSettings.Bind(binder);

    public override IEnumerable<System.CommandLine.Command> Commands(TextWriter output, TextWriter error) => [AttestCommand.Create(output, error), SignCommand.Create(output, error)];

    public override ScaffoldSection Scaffold(ScaffoldContext context) =>
        new([$"# Provenance (a signed model and its signed training lineage): see {Descriptor.HelpPath}."], IsRule: false);

    public override GateResult Evaluate(GateContext context, ProvenanceSettings settings)
    {
        var findings = new List<Finding>();
        findings.AddRange(settings.Models.Select(model => ModelSigningCheck.Run(context, model, settings.Root, settings.Identities, settings.PublicKey, verifier)));
        if (settings.Lineage is { } lineage)
            findings.AddRange(new LineageCheck(context, lineage, settings.Artifacts.Select(a => a.Path).ToList()).Run());
        if (settings.Root is { } root)
            findings.AddRange(settings.Artifacts.Select(artifact => Verify(context, artifact, root, settings)));
        return new GateResult(findings);
    }

    private Finding Verify(GateContext context, SignedArtifact artifact, TrustedRoot root, ProvenanceSettings settings)
    {
        var subject = context.Root.Relative(artifact.Path);
        var bundle = InputFiles.ReadAllText(artifact.BundlePath!, InputLimits.DocumentBytes);
        var bytes = File.ReadAllBytes(artifact.Path);
        VerificationFailure? last = null;
        // Each allowed identity is a separate policy; the artifact passes when one of them accepts the bundle.
        foreach (var identity in settings.Identities.Count > 0 ? settings.Identities.Cast<IdentityPolicy?>() : [null])
        {
            try
            {
                var time = verifier.Verify(new BundleVerificationRequest(bundle, bytes, root, identity, settings.PublicKey, DateTimeOffset.UtcNow));
                return Finding.Passed(context.Rule.Id, subject, $"{subject} is signed ({Path.GetFileName(artifact.BundlePath)}), verified offline; signing time {time:u}", artifact.Location,
                    new Dictionary<string, object> { ["signingTime"] = time.ToString("u"), ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes)) });
            }
            catch (VerificationFailure failure)
            {
                last = failure;
                if (failure.Step != VerificationStep.Identity) break;
            }
        }
        return Finding.Failed(context.Rule.Id, subject, $"{subject}: verification failed at step {last!.Step}: {last.Reason}", artifact.Location,
            new Dictionary<string, object> { ["step"] = last.Step });
    }
}
