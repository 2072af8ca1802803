using System.Security.Cryptography;
using System.Text.Json;

namespace SecMLOps.Gates.Provenance.ModelSigning;

/// <summary>
/// An OpenSSF model_signing v1.0 manifest: the files of a model directory with their sha256, and the
/// root digest (sha256 over the raw file digests in name order) that the signed statement names.
/// </summary>
public sealed record ModelManifest(IReadOnlyList<(string Name, string Sha256)> Resources, IReadOnlyList<string> IgnorePaths)
{
    public const string PredicateType = "https://model_signing/signature/v1.0";

    public byte[] RootDigest() => SHA256.HashData(Resources.SelectMany(r => Convert.FromHexString(r.Sha256)).ToArray());

    /// <summary>The manifest a signed statement declares.</summary>
    public static ModelManifest FromStatement(byte[] payload)
    {
        using var statement = JsonDocument.Parse(payload);
        var root = statement.RootElement;
        var predicateType = root.GetProperty("predicateType").GetString();
        if (predicateType != PredicateType)
            throw new InvalidDataException(predicateType == "https://model_signing/Digests/v0.1"
                ? "the signature uses the legacy model_signing v0.2 format (signed over a faulty encoding), which the gate does not accept; re-sign with model_signing 1.x"
                : $"predicate type {predicateType} is not a model_signing v1.0 manifest");
        var predicate = root.GetProperty("predicate");
        var resources = predicate.GetProperty("resources").EnumerateArray()
            .Select(r => (r.GetProperty("name").GetString()!, r.GetProperty("digest").GetString()!)).ToList();
        var ignore = predicate.TryGetProperty("serialization", out var serialization) && serialization.TryGetProperty("ignore_paths", out var paths)
            ? paths.EnumerateArray().Select(p => p.GetString()!).ToList()
            : [];
        return new ModelManifest(resources, ignore);
    }

    /// <summary>The manifest of the directory on disk, leaving out the ignored paths and the signature file.</summary>
    public static ModelManifest FromDirectory(string directory, IReadOnlyList<string> ignorePaths, string signatureFile)
    {
        var ignored = ignorePaths.Select(p => p.TrimEnd('/')).ToHashSet(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(directory, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(f => f != signatureFile && !ignored.Contains(f) && !ignored.Contains(f.Split('/')[0]))
            .Order(StringComparer.Ordinal)
            .Select(f => (f, Digest(Path.Combine(directory, f))))
            .ToList();
        return new ModelManifest(files, ignorePaths);
    }

    private static string Digest(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
