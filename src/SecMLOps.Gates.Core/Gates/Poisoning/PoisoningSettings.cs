using Newtonsoft.Json.Linq;

namespace SecMLOps.Gates.Gates.Poisoning;

/// <summary>A poisoning rule's settings with their documented defaults (schema: poisoningSettings).</summary>
public sealed record PoisoningSettings(
    string Training,
    string Golden,
    double MinGoldenFraction,
    string? Quarantine,
    int Seed,
    int Neighbours,
    int Components,
    double MaxExcessFlaggedFraction,
    double NearDuplicateQuantum,
    int MaxConflictingDuplicates,
    double MaxKsStatistic,
    double MaxPsi,
    double MinPriorShiftPValue,
    double? MinGoldenAccuracy,
    double? MaxRecallDrop)
{
    public static PoisoningSettings From(JObject settings) => new(
        (string?)settings["training"] ?? "training",
        (string?)settings["golden"] ?? "golden",
        (double?)settings["minGoldenFraction"] ?? 0.10,
        (string?)settings["quarantine"],
        (int?)settings["seed"] ?? 0,
        (int?)settings["labelConsistency"]?["k"] ?? 10,
        (int?)settings["labelConsistency"]?["components"] ?? 50,
        (double?)settings["labelConsistency"]?["maxExcessFlaggedFraction"] ?? 0.03,
        (double?)settings["duplicates"]?["nearDuplicateQuantum"] ?? 0.125,
        (int?)settings["duplicates"]?["maxConflictingDuplicates"] ?? 0,
        (double?)settings["distributionShift"]?["maxKsStatistic"] ?? 0.1,
        (double?)settings["distributionShift"]?["maxPsi"] ?? 0.25,
        (double?)settings["distributionShift"]?["minPriorShiftPValue"] ?? 0.001,
        (double?)settings["model"]?["minGoldenAccuracy"],
        (double?)settings["model"]?["maxRecallDrop"]);
}
