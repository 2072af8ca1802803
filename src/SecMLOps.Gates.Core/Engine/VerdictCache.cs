using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Engine;

/// <summary>
/// Keeps what a rule concluded, so that an unchanged model is not attacked again on every pull
/// request. An entry is keyed on the tool (its version and the build of the engine and of the gate),
/// the policy file (its path and sha256: the rule's settings and every line a finding points at),
/// the rule, the sha256 of every file the policy declares (model, baseline model, datasets) and of
/// the rule's own inputs, and the SECMLOPS_ environment variables that set input limits; it also
/// lists the files the gate recorded while it ran, each re-hashed before the entry is used. Only
/// gates whose result depends on nothing else are kept (<see cref="GateDescriptor.Cacheable"/>), and
/// only results without errors. An entry whose key or payload digest does not match is ignored: a
/// damaged cache costs a fresh run, never a verdict. The cache is as trustworthy as whoever can
/// write its folder; the action keeps the default branch's entries out of pull requests' reach.
/// </summary>
public sealed class VerdictCache(string directory)
{
    private const string Format = "secmlops-gate verdict cache 1";

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>The key of one rule's result, or null when a declared input cannot be read (the gate will say why).</summary>
    public static string? Key(GatePolicy policy, PolicyRule rule, IGate gate, RepositoryRoot root, IEnumerable<string> declaredInputs, DatasetIntegrity digests)
    {
        var text = new StringBuilder()
            .AppendLine(Format)
            .AppendLine($"tool {ToolInfo.Version} {typeof(VerdictCache).Assembly.ManifestModule.ModuleVersionId} {string.Join(' ', gate.Implementation.Distinct().Select(a => a.ManifestModule.ModuleVersionId))}")
            .AppendLine($"policy {policy.Document.Path} {digests.TryDigest(policy.FullPath)}")
            .AppendLine($"rule {rule.Id}");
        foreach (var input in declaredInputs.Select(Path.GetFullPath).Distinct().Order(StringComparer.Ordinal))
        {
            if (digests.TryDigest(input) is not { } digest)
                return null;
            text.AppendLine($"input {root.Relative(input)} {digest}");
        }
        foreach (var variable in InputLimits.Variables)
            text.AppendLine($"env {variable}={Environment.GetEnvironmentVariable(variable)}");
        return Sha256(text.ToString());
    }

    /// <summary>The entry for the key when it is whole and every file it recorded is unchanged; null otherwise (with the reason).</summary>
    public (RuleRun? Entry, string? Miss) Find(string key, RepositoryRoot root, DatasetIntegrity digests)
    {
        var file = Path.Combine(Directory, key + ".json");
        if (!File.Exists(file))
            return (null, "no entry");
        try
        {
            var stored = JsonSerializer.Deserialize<StoredEntry>(File.ReadAllText(file), Web);
            if (stored is null || stored.Format != Format || stored.Key != key || Sha256(stored.Payload) != stored.PayloadSha256)
                return (null, $"the entry {file} does not match its key or its digest; ignored");
            var run = RuleRun.FromJson(stored.Payload);
            foreach (var input in run.Inputs)
            {
                if (input.Sha256 is null || digests.TryDigest(Path.Combine(root.FullPath, input.Path)) != input.Sha256)
                    return (null, $"{input.Path} changed");
            }
            return (run, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or FormatException or NotSupportedException or InvalidOperationException)
        {
            return (null, $"the entry {file} cannot be read ({e.Message}); ignored");
        }
    }

    /// <summary>Writes the entry whole; a cache that cannot be written is reported, never an error of the evaluation.</summary>
    public string? Store(string key, RuleRun run)
    {
        var payload = run.ToJson();
        try
        {
            AtomicFile.WriteAllText(Path.Combine(Directory, key + ".json"), JsonSerializer.Serialize(new StoredEntry(Format, key, Sha256(payload), payload), Web));
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"the verdict cache {Directory} cannot be written ({e.Message})";
        }
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private sealed record StoredEntry(string Format, string Key, string PayloadSha256, string Payload);
}
