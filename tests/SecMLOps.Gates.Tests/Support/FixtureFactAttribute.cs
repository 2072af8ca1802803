namespace SecMLOps.Gates.Tests.Support;

/// <summary>
/// A test that reads the shared fixtures (../shared/fixtures beside the repository). Where they are
/// absent it is reported as skipped, with the reason; under CI=true it runs anyway, so a wrong path
/// fails instead of skipping quietly.
/// </summary>
public sealed class FixtureFactAttribute : FactAttribute
{
    public FixtureFactAttribute()
    {
        if (RepositoryLayout.FixturesMissingReason is { } reason) Skip = reason;
    }
}

/// <summary>A theory that reads the shared fixtures; skipped like <see cref="FixtureFactAttribute"/>.</summary>
public sealed class FixtureTheoryAttribute : TheoryAttribute
{
    public FixtureTheoryAttribute()
    {
        if (RepositoryLayout.FixturesMissingReason is { } reason) Skip = reason;
    }
}
