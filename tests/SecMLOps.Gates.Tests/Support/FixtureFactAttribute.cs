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

/// <summary>A test that needs root (to hand a folder to another user); skipped, with the reason, for anyone else.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (Environment.UserName != "root") Skip = "needs root: it makes the checkout another user's";
    }
}
