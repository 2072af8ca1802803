namespace SecMLOps.Gates.Tests.EndToEnd;

/// <summary>End-to-end tests share the sample project's obj/ folder and the built CLI: they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EndToEndCollection
{
    public const string Name = "end-to-end";
}
