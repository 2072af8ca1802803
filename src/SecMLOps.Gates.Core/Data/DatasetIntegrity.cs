using System.Collections.Concurrent;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Data;

/// <summary>
/// The one check of a dataset's pinned digests, shared by every gate and by <c>validate</c>: a file
/// that does not match its pinned sha256 is an input-integrity error (never a waivable failure),
/// because no rule should vouch for data it cannot verify. Digests are computed once per evaluation.
/// </summary>
public sealed class DatasetIntegrity
{
    private readonly ConcurrentDictionary<string, string> _digests = new(StringComparer.Ordinal);

    /// <summary>The pinned files of the dataset, each verified; throws on the first mismatch.</summary>
    public IReadOnlyList<(string File, string Sha256)> Verify(DatasetSpec dataset)
    {
        var verified = new List<(string, string)>();
        foreach (var (file, pinned, key) in dataset.Pins)
        {
            if (pinned is null)
                continue;
            var actual = Digest(file);
            if (actual != pinned)
                throw new GateInputException(EngineRules.InputIntegrity,
                    $"dataset {dataset.Name}: {Path.GetFileName(file)} does not match its pinned {key} (expected {pinned}, actual {actual}); no rule evaluates unverified data", dataset.Location);
            verified.Add((file, actual));
        }
        return verified;
    }

    /// <summary>A file's or folder's digest, computed once; a folder's files are digested through the same cache, so an image pinned in a folder and read by a gate is hashed once.</summary>
    public string Digest(string file) => _digests.GetOrAdd(file, path => FileDigest.Sha256(path, Digest));

    /// <summary>The cached digest, or one computed now; null for a path that is missing or cannot be read (not cached: it may appear).</summary>
    public string? TryDigest(string file) => _digests.TryGetValue(file, out var known) ? known : FileDigest.TryDigest(file, Digest);
}
