using SecMLOps.Gates.Data;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Engine;

/// <summary>
/// The repository files an evaluation read, each with its role where the policy declares one (the
/// model, a dataset): the build reruns the gate when one of them changes, and the reports name them
/// with their digests.
/// </summary>
public sealed class EvaluationInputs
{
    private readonly SortedDictionary<string, string?> _roles = new(StringComparer.Ordinal);

    public void Add(string repositoryRelativePath, string? role = null)
    {
        lock (_roles)
        {
            if (role is not null)
                _roles[repositoryRelativePath] = role;
            else
                _roles.TryAdd(repositoryRelativePath, null);
        }
    }

    /// <summary>Adds every input another record holds, with its role.</summary>
    public void AddAll(EvaluationInputs other)
    {
        KeyValuePair<string, string?>[] entries;
        lock (other._roles)
            entries = other._roles.ToArray();
        foreach (var (path, role) in entries)
            Add(path, role);
    }

    /// <summary>
    /// Every input with its sha256 (a folder: the digest of its listing; null when it cannot be read),
    /// through the evaluation's digest cache, so a pinned dataset verified earlier is not read again.
    /// </summary>
    public IReadOnlyList<InputFile> Digest(RepositoryRoot root, DatasetIntegrity digests)
    {
        lock (_roles)
            return _roles.Select(p => new InputFile(p.Key, digests.TryDigest(Path.Combine(root.FullPath, p.Key)), p.Value)).ToList();
    }
}
