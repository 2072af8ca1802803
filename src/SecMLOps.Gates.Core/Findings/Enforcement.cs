namespace SecMLOps.Gates.Findings;

public enum Enforcement
{
    Advisory,
    SoftMandatory,
    HardMandatory,
}

public static class Enforcements
{
    public static readonly Vocabulary<Enforcement> Words = new((Enforcement.Advisory, "advisory"), (Enforcement.SoftMandatory, "soft-mandatory"), (Enforcement.HardMandatory, "hard-mandatory"));
}
