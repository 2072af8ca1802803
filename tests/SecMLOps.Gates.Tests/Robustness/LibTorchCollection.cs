namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>
/// Tests that run libtorch in this process run one at a time, as the gate itself does (it evaluates
/// rules sequentially), so that their timings and thread use do not interfere.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LibTorchCollection
{
    public const string Name = "libtorch";
}
