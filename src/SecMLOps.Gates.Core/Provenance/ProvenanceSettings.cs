using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Policies;
using SecMLOps.Gates.Provenance.Lineage;
using SecMLOps.Gates.Provenance.ModelSigning;
using SecMLOps.Gates.Provenance.Sigstore;

namespace SecMLOps.Gates.Provenance;

/// <summary>An artifact and its Sigstore bundle (null when the rule has no trusted root to verify it against).</summary>
public sealed record SignedArtifact(string Path, string? BundlePath, SourceLocation Location);

/// <summary>
/// A provenance rule's settings, bound when the policy loads: trust material is read and parsed then
/// (a malformed trusted root, key, bundle or envelope is an input error at its line, not a failed
/// verification), identities' patterns are compiled, and every file is checked to exist.
/// </summary>
public sealed record ProvenanceSettings(
    IReadOnlyList<SignedArtifact> Artifacts,
    TrustedRoot? Root,
    ECDsa? PublicKey,
    IReadOnlyList<IdentityPolicy> Identities,
    LineageSpec? Lineage,
    IReadOnlyList<SignedModelFolder> Models)
{
    public static ProvenanceSettings? Bind(SettingsBinder binder)
    {
        if (!binder.Has("artifacts") && !binder.Has("models"))
            binder.Error(EngineRules.SchemaViolation, $"rule {binder.RuleId} checks nothing: list artifacts (Sigstore bundles, lineage) or models (model_signing)", null);
        if (binder.Has("artifacts") && !binder.Has("trustedRoot") && !binder.Has("lineage"))
            binder.Error(EngineRules.SchemaViolation, $"rule {binder.RuleId} lists artifacts but neither trustedRoot (Sigstore bundles) nor lineage", binder["artifacts"]);
        if (binder.Has("trustedRoot") && !binder.Has("identities") && !binder.Has("publicKey"))
            binder.Error(EngineRules.SchemaViolation, $"rule {binder.RuleId} names a trusted root but no identities (who may sign) and no publicKey: any signer would pass", binder["trustedRoot"]);

        var root = binder.InputFile("trustedRoot", "trusted root") is { } rootPath ? Parse(binder, "trustedRoot", rootPath, TrustedRoot.Parse) : null;
        var key = binder.InputFile("publicKey", "public key") is { } keyPath ? LoadKey(binder, binder["publicKey"]!, keyPath) : null;
        var identities = binder.Items("identities").Select(BindIdentity).OfType<IdentityPolicy>().ToList();
        var artifacts = binder.Items("artifacts").Select(a => BindArtifact(a, root is not null)).OfType<SignedArtifact>().ToList();
        var lineage = binder.Has("lineage") ? BindLineage(binder.Child("lineage")) : null;
        var models = binder.Items("models").Select(BindModel).OfType<SignedModelFolder>().ToList();
        return binder.HasErrors ? null : new ProvenanceSettings(artifacts, root, key, identities, lineage, models);
    }

    private static IdentityPolicy? BindIdentity(SettingsBinder identity)
    {
        var (subject, pattern) = (identity.OptionalText("subject"), identity.OptionalText("subjectPattern"));
        if ((subject is null) == (pattern is null))
        {
            identity.Error(EngineRules.SchemaViolation, "an identity names exactly one of subject and subjectPattern: an issuer alone would let anyone it issues for sign", null);
            return null;
        }
        if (pattern is not null && identity.Pattern(identity["subjectPattern"]!) is null)
            return null;
        return new IdentityPolicy(identity.Text("issuer"), subject, pattern);
    }

    private static SignedArtifact? BindArtifact(SettingsBinder artifact, bool needsBundle)
    {
        var path = artifact.InputFile("path", "artifact");
        if (path is null || !needsBundle)
            return path is null ? null : new SignedArtifact(path, null, artifact.Location);
        var bundle = artifact.Has("bundle")
            ? artifact.InputFile("bundle", "bundle")
            : artifact.InputFile(artifact["path"]!, (string)artifact["path"]! + ".sigstore.json", "bundle");
        if (bundle is null || Parse(artifact, artifact.Has("bundle") ? "bundle" : "path", bundle, SigstoreBundle.Parse) is null)
            return null;
        return new SignedArtifact(path, bundle, artifact.Location);
    }

    private static LineageSpec? BindLineage(SettingsBinder lineage)
    {
        var statement = lineage.InputFile("statement", "lineage statement");
        var keyPath = lineage.InputFile("publicKey", "lineage public key");
        if (statement is null || keyPath is null || Parse(lineage, "statement", statement, DsseEnvelopes.Parse) is null)
            return null;
        var key = LoadKey(lineage, lineage["publicKey"]!, keyPath);
        return key is null ? null : new LineageSpec(statement, key, lineage.Texts("requiredFields"), lineage.Location);
    }

    private static SignedModelFolder? BindModel(SettingsBinder model)
    {
        var directory = model.InputFolder("directory", "model directory");
        if (directory is null)
            return null;
        var signature = model.Has("signature")
            ? model.InputFile("signature", "signature")
            : model.InputFile(model["directory"]!, Path.Combine((string)model["directory"]!, "model.sig"), "signature");
        if (signature is null || Parse(model, model.Has("signature") ? "signature" : "directory", signature, SigstoreBundle.Parse) is null)
            return null;
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
            model.RecordInput(file);
        var authorities = new List<X509Certificate2>();
        foreach (var token in model["certificateAuthorities"] as JArray ?? [])
        {
            if (model.InputFile(token, "certificate authority") is not { } file)
                continue;
            try
            {
                authorities.Add(X509CertificateLoader.LoadCertificate(Convert.FromBase64String(PemBody(InputFiles.ReadAllText(file, InputLimits.DocumentBytes)))));
            }
            catch (Exception e) when (e is CryptographicException or FormatException or InvalidDataException)
            {
                model.Error(EngineRules.InputMalformed, $"certificate authority '{token}' is not a readable PEM certificate: {e.Message}", token);
            }
        }
        return new SignedModelFolder(directory, signature, authorities, model.Location);
    }

    private static string PemBody(string pem) => PemEncoding.TryFind(pem, out var fields) ? pem[fields.Base64Data] : throw new FormatException("no PEM block found");

    /// <summary>Reads and parses trust material; a file that does not parse is an input error at the setting.</summary>
    private static T? Parse<T>(SettingsBinder binder, string key, string path, Func<string, T> parse) where T : class
    {
        try
        {
            return parse(InputFiles.ReadAllText(path, InputLimits.DocumentBytes));
        }
        catch (Exception e) when (e is MalformedMaterial or InvalidDataException)
        {
            binder.Error(EngineRules.InputMalformed, $"{binder.Root.Relative(path)}: {(e is MalformedMaterial m ? m.Reason : e.Message)}", binder[key]);
            return null;
        }
    }

    /// <summary>A pinned PEM public key (ECDSA); an unreadable key is an input error at its line.</summary>
    private static ECDsa? LoadKey(SettingsBinder binder, JToken setting, string path)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(InputFiles.ReadAllText(path, InputLimits.DocumentBytes));
            return key;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException or InvalidDataException)
        {
            key.Dispose();
            binder.Error(EngineRules.InputMalformed, $"'{setting}' is not a readable PEM ECDSA public key: {e.Message}", setting);
            return null;
        }
    }
}
