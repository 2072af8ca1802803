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

/// <summary>A fact that runs a program besides dotnet (strace, GNU time); skipped, saying which, where it is not installed.</summary>
public sealed class ProgramFactAttribute : FactAttribute
{
    public ProgramFactAttribute(string program)
    {
        var found = Path.IsPathRooted(program)
            ? File.Exists(program)
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => d.Length > 0 && File.Exists(Path.Combine(d, program)));
        if (!found) Skip = $"needs {program} (the test command installs it)";
    }
}

/// <summary>A fact about model confinement; skipped, saying why, where the kernel offers no Landlock with TCP rules (ABI 4).</summary>
public sealed class LandlockFactAttribute : FactAttribute
{
    public LandlockFactAttribute()
    {
        if (!SecMLOps.Gates.Robustness.Models.ModelConfinement.Status.Contains("no TCP", StringComparison.Ordinal))
            Skip = SecMLOps.Gates.Robustness.Models.ModelConfinement.Status;
    }
}
