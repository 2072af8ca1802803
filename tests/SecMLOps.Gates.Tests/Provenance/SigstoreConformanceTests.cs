using System.Security.Cryptography;
using SecMLOps.Gates.Provenance.Sigstore;
using SecMLOps.Gates.Tests.Support;
using Xunit.Abstractions;

namespace SecMLOps.Gates.Tests.Provenance;

/// <summary>
/// The sigstore-conformance bundle cases in ../shared/fixtures/sigstore, with the defaults its
/// PROVENANCE.md gives: folders ending in _fail must fail, the others must verify.
/// </summary>
public sealed class SigstoreConformanceTests(ITestOutputHelper output)
{
    private const string DefaultIdentity = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
    private const string DefaultIssuer = "https://token.actions.githubusercontent.com";

    /// <summary>The step each must-fail case fails at (a negative test asserts the reason, not just "some error").</summary>
    private static readonly Dictionary<string, string> FailingStep = new()
    {
        ["bundle-from-wrong-instance_fail"] = VerificationStep.InclusionPromise,
        ["bundle-malformed-json_fail"] = VerificationStep.Bundle,
        ["bundle-unknown-version_fail"] = VerificationStep.Bundle,
        ["bundle-with-root-cert_fail"] = VerificationStep.CertificateChain,
        ["checkpoint-wrong-roothash_fail"] = VerificationStep.Checkpoint,
        ["dsse-invalid-sig_fail"] = VerificationStep.TlogBody,
        ["dsse-mismatch-envelope_fail"] = VerificationStep.TlogBody,
        ["dsse-mismatch-sig_fail"] = VerificationStep.TlogBody,
        ["inclusion-proof-corrupted-hash_fail"] = VerificationStep.InclusionProof,
        ["incorrect-public-key_fail"] = VerificationStep.TlogBody,
        ["integrated-time-in-future_fail"] = VerificationStep.SigningTime,
        ["intoto-expired-certificate_fail"] = VerificationStep.SigningTime,
        ["intoto-missing-inclusion-proof_fail"] = VerificationStep.InclusionProof,
        ["invalid-inclusion-proof_fail"] = VerificationStep.InclusionProof,
        ["managed-key-wrong-key_fail"] = VerificationStep.Signature,
        ["message-digest-mismatch_fail"] = VerificationStep.Signature,
        ["rekor2-no-inclusion-proof_fail"] = VerificationStep.InclusionProof,
        ["set-invalid-signature_fail"] = VerificationStep.InclusionPromise,
        ["signature-mismatch_fail"] = VerificationStep.TlogBody,
        ["wrong-hashedrekord-artifact_fail"] = VerificationStep.TlogBody,
        ["wrong-material_fail"] = VerificationStep.TlogBody,
    };

    private static string Case(string name, string file) => RepositoryLayout.Fixture("sigstore", "conformance", name, file);

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        var folder = RepositoryLayout.Fixture("sigstore", "conformance");
        if (Directory.Exists(folder))
            foreach (var dir in Directory.GetDirectories(folder).Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(dir));
        return data;
    }

    internal static DateTimeOffset Verify(string name, byte[]? artifact = null, IdentityPolicy? identity = null, string? rootFile = null)
    {
        var root = TrustedRoot.Parse(File.ReadAllText(rootFile ?? (File.Exists(Case(name, "trusted_root.json")) ? Case(name, "trusted_root.json") : RepositoryLayout.Fixture("sigstore", "trusted_root.public-good.json"))));
        artifact ??= File.ReadAllBytes(File.Exists(Case(name, "artifact")) ? Case(name, "artifact") : RepositoryLayout.Fixture("sigstore", "conformance", "a.txt"));
        identity ??= new IdentityPolicy(
            File.Exists(Case(name, "issuer")) ? File.ReadAllText(Case(name, "issuer")).Trim() : DefaultIssuer,
            File.Exists(Case(name, "identity")) ? File.ReadAllText(Case(name, "identity")).Trim() : DefaultIdentity, null);
        ECDsa? key = null;
        if (File.Exists(Case(name, "key.pub")))
        {
            key = ECDsa.Create();
            try { key.ImportFromPem(File.ReadAllText(Case(name, "key.pub"))); }
            catch (Exception e) when (e is CryptographicException or ArgumentException) { throw new VerificationFailure(VerificationStep.Signature, $"key.pub is not a readable public key: {e.Message}"); }
        }
        return new SigstoreVerifier().Verify(new BundleVerificationRequest(File.ReadAllText(Case(name, "bundle.sigstore.json")), artifact, root, identity, key, DateTimeOffset.UtcNow));
    }

    [FixtureTheory]
    [MemberData(nameof(Cases))]
    public void Every_case_comes_out_as_stated(string name)
    {
        var mustFail = name.EndsWith("_fail", StringComparison.Ordinal);
        VerificationFailure? failure = null;
        try { Verify(name); }
        catch (VerificationFailure e) { failure = e; }
        output.WriteLine($"{name}: {(failure is null ? "verified" : $"failed at {failure.Step}: {failure.Reason}")}");
        if (mustFail)
            Assert.Equal(FailingStep[name], Assert.IsAssignableFrom<VerificationFailure>(failure).Step);
        else
            Assert.Null(failure);
    }

    [FixtureFact]
    public void A_valid_signature_from_another_identity_or_issuer_fails_at_the_identity_step()
    {
        var other = Assert.Throws<VerificationFailure>(() => Verify("happy-path-v0.3", identity: new IdentityPolicy(DefaultIssuer, "https://github.com/someone/else/.github/workflows/x.yml@refs/heads/main", null)));
        Assert.Equal(VerificationStep.Identity, other.Step);
        var issuer = Assert.Throws<VerificationFailure>(() => Verify("happy-path-v0.3", identity: new IdentityPolicy("https://accounts.google.com", DefaultIdentity, null)));
        Assert.Equal(VerificationStep.Identity, issuer.Step);
        Verify("happy-path-v0.3", identity: new IdentityPolicy(DefaultIssuer, null, @"https://github\.com/sigstore-conformance/.+@refs/heads/main"));
    }

    [FixtureFact]
    public void A_changed_artifact_byte_fails_and_the_staging_root_is_not_trusted()
    {
        var artifact = File.ReadAllBytes(RepositoryLayout.Fixture("sigstore", "conformance", "a.txt"));
        artifact[0] ^= 1;
        Assert.Equal(VerificationStep.TlogBody, Assert.Throws<VerificationFailure>(() => Verify("happy-path-v0.3", artifact)).Step);
        var staging = Assert.Throws<VerificationFailure>(() => Verify("happy-path-v0.3", rootFile: RepositoryLayout.Fixture("sigstore", "trusted_root.staging.json")));
        Assert.Contains(staging.Step, new[] { VerificationStep.InclusionPromise, VerificationStep.CertificateChain });
    }

    private static string Flip(string base64, int index)
    {
        var bytes = Convert.FromBase64String(base64);
        bytes[index] ^= 1;
        return Convert.ToBase64String(bytes);
    }

    /// <summary>Verifies a case's bundle after <paramref name="edit"/> changed it, against the case's root (or public-good).</summary>
    private static DateTimeOffset VerifyEdited(string name, Action<Newtonsoft.Json.Linq.JObject> edit, string? rootJson = null)
    {
        var bundle = Newtonsoft.Json.Linq.JObject.Parse(File.ReadAllText(Case(name, "bundle.sigstore.json")));
        edit(bundle);
        var rootFile = File.Exists(Case(name, "trusted_root.json")) ? Case(name, "trusted_root.json") : RepositoryLayout.Fixture("sigstore", "trusted_root.public-good.json");
        var root = TrustedRoot.Parse(rootJson ?? File.ReadAllText(rootFile));
        return new SigstoreVerifier().Verify(new BundleVerificationRequest(
            bundle.ToString(), File.ReadAllBytes(RepositoryLayout.Fixture("sigstore", "conformance", "a.txt")), root,
            new IdentityPolicy(DefaultIssuer, DefaultIdentity, null), null, DateTimeOffset.UtcNow));
    }

    private static void FlipCheckpointSignature(Newtonsoft.Json.Linq.JToken entry)
    {
        var note = (string)entry["inclusionProof"]!["checkpoint"]!["envelope"]!;
        var line = note.Split('\n').First(l => l.StartsWith('\u2014'));
        var signature = line[(line.LastIndexOf(' ') + 1)..];
        entry["inclusionProof"]!["checkpoint"]!["envelope"] = note.Replace(signature, Flip(signature, 30));
    }

    [FixtureTheory]
    [InlineData("signature", VerificationStep.TlogBody)]
    [InlineData("certificate", VerificationStep.TlogBody)]
    [InlineData("proof-hash", VerificationStep.InclusionProof)]
    [InlineData("checkpoint-signature", VerificationStep.Checkpoint)]
    [InlineData("set", VerificationStep.InclusionPromise)]
    public void One_changed_byte_in_the_bundle_fails_naming_the_step(string part, string step)
    {
        var failure = Assert.Throws<VerificationFailure>(() => VerifyEdited("happy-path-v0.3", bundle =>
        {
            var entry = bundle["verificationMaterial"]!["tlogEntries"]![0]!;
            switch (part)
            {
                case "signature": bundle["messageSignature"]!["signature"] = Flip((string)bundle["messageSignature"]!["signature"]!, 20); break;
                case "certificate": bundle["verificationMaterial"]!["certificate"]!["rawBytes"] = Flip((string)bundle["verificationMaterial"]!["certificate"]!["rawBytes"]!, 400); break;
                case "proof-hash": entry["inclusionProof"]!["hashes"]![0] = Flip((string)entry["inclusionProof"]!["hashes"]![0]!, 3); break;
                case "set": entry["inclusionPromise"]!["signedEntryTimestamp"] = Flip((string)entry["inclusionPromise"]!["signedEntryTimestamp"]!, 20); break;
                default: FlipCheckpointSignature(entry); break;
            }
        }));
        Assert.Equal(step, failure.Step);
    }

    [FixtureFact]
    public void A_rekor_v2_bundle_is_signed_at_its_rfc3161_time_and_fails_when_the_timestamp_or_the_ed25519_checkpoint_changes()
    {
        const string name = "rekor2-happy-path";
        // The TSA's genTime (20250612120220Z), not a log's integrated time: Rekor v2 entries have none.
        Assert.Equal(new DateTimeOffset(2025, 6, 12, 12, 2, 20, TimeSpan.Zero), VerifyEdited(name, _ => { }));

        var checkpoint = Assert.Throws<VerificationFailure>(() => VerifyEdited(name, b => FlipCheckpointSignature(b["verificationMaterial"]!["tlogEntries"]![0]!)));
        Assert.Equal(VerificationStep.Checkpoint, checkpoint.Step);

        // The response ends with the token signer's signature value.
        var stamp = Assert.Throws<VerificationFailure>(() => VerifyEdited(name, b =>
        {
            var timestamp = b["verificationMaterial"]!["timestampVerificationData"]!["rfc3161Timestamps"]![0]!;
            var bytes = Convert.FromBase64String((string)timestamp["signedTimestamp"]!);
            timestamp["signedTimestamp"] = Flip((string)timestamp["signedTimestamp"]!, bytes.Length - 10);
        }));
        Assert.Equal(VerificationStep.Timestamp, stamp.Step);

        // A truncated or garbled response is a failed step, not a crash.
        foreach (var garbled in new[] { "MIIE6jADAgEAMIIE4Q==", Convert.ToBase64String(new byte[64]) })
        {
            var broken = Assert.Throws<VerificationFailure>(() => VerifyEdited(name, b => b["verificationMaterial"]!["timestampVerificationData"]!["rfc3161Timestamps"]![0]!["signedTimestamp"] = garbled));
            Assert.Equal(VerificationStep.Timestamp, broken.Step);
        }

        // Without the timestamp there is no signing time at all.
        var untimed = Assert.Throws<VerificationFailure>(() => VerifyEdited(name, b => ((Newtonsoft.Json.Linq.JObject)b["verificationMaterial"]!).Remove("timestampVerificationData")));
        Assert.Equal(VerificationStep.SigningTime, untimed.Step);

        // A root that does not pin the timestamp authority does not accept its timestamp.
        var root = Newtonsoft.Json.Linq.JObject.Parse(File.ReadAllText(Case(name, "trusted_root.json")));
        root.Remove("timestampAuthorities");
        var unpinned = Assert.Throws<VerificationFailure>(() => VerifyEdited(name, _ => { }, root.ToString()));
        Assert.Equal(VerificationStep.Timestamp, unpinned.Step);
    }

    [FixtureFact]
    public void A_certificate_without_an_sct_from_a_pinned_ct_log_fails_at_certificate_transparency()
    {
        var root = Newtonsoft.Json.Linq.JObject.Parse(File.ReadAllText(RepositoryLayout.Fixture("sigstore", "trusted_root.public-good.json")));
        var logs = (Newtonsoft.Json.Linq.JArray)root["ctlogs"]!;

        // The log that signed the SCT, pinned with another log's key: its signature no longer verifies.
        var otherKey = logs[0]!["publicKey"]!["rawBytes"]!.DeepClone();
        var swapped = (Newtonsoft.Json.Linq.JObject)root.DeepClone();
        foreach (var log in swapped["ctlogs"]!) log["publicKey"]!["rawBytes"] = otherKey.DeepClone();
        var wrongKey = Assert.Throws<VerificationFailure>(() => VerifyEdited("happy-path-v0.3", _ => { }, swapped.ToString()));
        Assert.Equal(VerificationStep.CertificateTransparency, wrongKey.Step);

        root.Remove("ctlogs");
        var unpinned = Assert.Throws<VerificationFailure>(() => VerifyEdited("happy-path-v0.3", _ => { }, root.ToString()));
        Assert.Equal(VerificationStep.CertificateTransparency, unpinned.Step);
    }

    [FixtureFact]
    public void A_log_key_whose_pinned_validity_ended_before_the_entry_fails_at_the_inclusion_promise()
    {
        var root = Newtonsoft.Json.Linq.JObject.Parse(File.ReadAllText(RepositoryLayout.Fixture("sigstore", "trusted_root.public-good.json")));
        foreach (var log in root["tlogs"]!) log["publicKey"]!["validFor"]!["end"] = "2022-01-01T00:00:00Z";
        var expired = Assert.Throws<VerificationFailure>(() => VerifyEdited("happy-path-v0.3", _ => { }, root.ToString()));
        Assert.Equal(VerificationStep.InclusionPromise, expired.Step);
        Assert.Contains("not valid at the integrated time", expired.Reason);
    }

    [FixtureFact]
    public void A_dsse_in_toto_bundle_fails_for_a_tampered_artifact()
    {
        Verify("happy-path-intoto-in-dsse-v3");
        var artifact = File.ReadAllBytes(RepositoryLayout.Fixture("sigstore", "conformance", "a.txt"));
        artifact[^1] ^= 1;
        Assert.Equal(VerificationStep.Subject, Assert.Throws<VerificationFailure>(() => Verify("happy-path-intoto-in-dsse-v3", artifact)).Step);
    }

    /// <summary>Byte-level edits of a decoded field: flipped at the start, middle and end, zeroed, cut in half, emptied, a NUL appended.</summary>
    private static IEnumerable<(string Name, byte[] Bytes)> ByteEdits(byte[] original)
    {
        foreach (var at in new[] { 0, original.Length / 2, original.Length - 1 })
        {
            var flipped = (byte[])original.Clone();
            flipped[at] ^= 0x80;
            yield return ($"byte {at} flipped", flipped);
        }
        yield return ("zeroed", new byte[original.Length]);
        yield return ("cut in half", original[..(original.Length / 2)]);
        yield return ("emptied", []);
        yield return ("NUL appended", [.. original, 0]);
    }

    /// <summary>Every edit of every string of the bundle: base64 fields edited as bytes, the log entry's JSON body with a NUL in each of its strings, other strings emptied or given a NUL.</summary>
    private static IEnumerable<(string Name, Newtonsoft.Json.Linq.JObject Bundle)> BundleMutants(Newtonsoft.Json.Linq.JObject bundle)
    {
        var strings = bundle.SelectTokens("$..*").OfType<Newtonsoft.Json.Linq.JValue>().Where(v => v.Type == Newtonsoft.Json.Linq.JTokenType.String).Select(v => v.Path).ToList();
        foreach (var path in strings)
        {
            var text = (string)bundle.SelectToken(path)!;
            var edits = new List<(string, string)> { ("emptied", ""), ("NUL appended", text + "\0") };
            if (text.Length >= 8 && text.Length % 4 == 0 && Convert.TryFromBase64String(text, new byte[text.Length], out _))
            {
                var bytes = Convert.FromBase64String(text);
                edits.AddRange(ByteEdits(bytes).Select(e => (e.Name, Convert.ToBase64String(e.Bytes))));
                if (path.EndsWith("canonicalizedBody", StringComparison.Ordinal))
                {
                    var body = Newtonsoft.Json.Linq.JObject.Parse(System.Text.Encoding.UTF8.GetString(bytes));
                    foreach (var inner in body.SelectTokens("$..*").OfType<Newtonsoft.Json.Linq.JValue>().Where(v => v.Type == Newtonsoft.Json.Linq.JTokenType.String).Select(v => v.Path).ToList())
                    {
                        var copy = (Newtonsoft.Json.Linq.JObject)body.DeepClone();
                        var value = (Newtonsoft.Json.Linq.JValue)copy.SelectToken(inner)!;
                        value.Value = "\0" + (string)value!;
                        edits.Add(($"body {inner} given a NUL", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(copy.ToString(Newtonsoft.Json.Formatting.None)))));
                    }
                }
            }
            foreach (var (name, edited) in edits)
            {
                var copy = (Newtonsoft.Json.Linq.JObject)bundle.DeepClone();
                ((Newtonsoft.Json.Linq.JValue)copy.SelectToken(path)!).Value = edited;
                yield return ($"{path} {name}", copy);
            }
        }
    }

    [FixtureTheory]
    [InlineData("happy-path-v0.1")]
    [InlineData("happy-path-v0.3")]
    [InlineData("happy-path-intoto-in-dsse-v3")]
    [InlineData("rekor2-happy-path")]
    public void Every_edit_of_every_bundle_field_fails_verification_naming_a_step_and_never_throws_anything_else(string name)
    {
        var bundle = Newtonsoft.Json.Linq.JObject.Parse(File.ReadAllText(Case(name, "bundle.sigstore.json")));
        var root = TrustedRoot.Parse(File.ReadAllText(File.Exists(Case(name, "trusted_root.json")) ? Case(name, "trusted_root.json") : RepositoryLayout.Fixture("sigstore", "trusted_root.public-good.json")));
        var artifact = File.ReadAllBytes(File.Exists(Case(name, "artifact")) ? Case(name, "artifact") : RepositoryLayout.Fixture("sigstore", "conformance", "a.txt"));
        var (failed, verified) = (new Dictionary<string, int>(), new List<string>());
        foreach (var (mutant, edited) in BundleMutants(bundle))
        {
            try
            {
                new SigstoreVerifier().Verify(new BundleVerificationRequest(edited.ToString(), artifact, root, new IdentityPolicy(DefaultIssuer, DefaultIdentity, null), null, DateTimeOffset.UtcNow));
                verified.Add(mutant);
            }
            catch (VerificationFailure e)
            {
                failed[e.Step] = failed.GetValueOrDefault(e.Step) + 1;
            }
            catch (Exception e)
            {
                Assert.Fail($"{mutant}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }
        output.WriteLine($"{name}: {failed.Values.Sum()} mutants failed ({string.Join(", ", failed.OrderBy(f => f.Key).Select(f => $"{f.Key} {f.Value}"))}); verified: {string.Join("; ", verified)}");
        Assert.True(failed.Values.Sum() > 100);
        // What may still verify keeps its meaning: a trailing NUL after base64 or a number is dropped by
        // their decoders, and an RFC 3161 token's embedded certificates are unsigned by design (the
        // signer checked is the trusted root's timestamp authority, not the certificate the token carries).
        Assert.All(verified, m => Assert.True(m.EndsWith("NUL appended", StringComparison.Ordinal) || m.Contains("rfc3161Timestamps", StringComparison.Ordinal), m));
    }
}
