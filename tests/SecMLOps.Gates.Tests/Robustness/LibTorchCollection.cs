namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>
/// Tests that run libtorch in this process run one at a time, as the gate itself does (it evaluates
/// rules sequentially). Run concurrently with other in-process libtorch work under heavy load, one
/// DeepFool run once produced non-finite perturbations; that has not been reproduced in isolation.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LibTorchCollection
{
    public const string Name = "libtorch";
}
