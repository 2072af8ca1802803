namespace SecMLOps.Gates.Engine;

/// <summary>The repository files an evaluation read: the build reruns the gate when one of them changes.</summary>
public sealed class EvaluationInputs
{
    private readonly SortedSet<string> _paths = new(StringComparer.Ordinal);

    public void Add(string repositoryRelativePath)
    {
        lock (_paths) _paths.Add(repositoryRelativePath);
    }

    public IReadOnlyList<string> ToList()
    {
        lock (_paths) return _paths.ToList();
    }
}
