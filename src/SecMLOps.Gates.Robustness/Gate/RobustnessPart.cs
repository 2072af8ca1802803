using System.Text.Json;
using System.Text.Json.Serialization;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Robustness.Attacks;

namespace SecMLOps.Gates.Robustness.Gate;

/// <summary>One attack at one strength on a share of the samples: the samples it broke and what it measured.</summary>
internal sealed record AttackPart(string Subject, int[] Broken, int Attacked, float[] FlippedLinf, float[] FlippedL2, double Seconds, int? ProbeSurvivors);

internal sealed record StrengthPart(double Eps, List<AttackPart> Attacks);

/// <summary>Correctly classified samples of the share whose input gradient is all zero under one loss.</summary>
internal sealed record ZeroGradientCount(AttackLoss Loss, int Zero, int Counted);

/// <summary>The sanity attack at one strength: the samples of the share's sanity sample it broke.</summary>
internal sealed record SanityPart(double Eps, int[] Broken);

/// <summary>
/// What a robustness rule measured on a share of the evaluation set's atoms: per sample, what each
/// attack, the gradient check and the sanity attack found there, beside what every share measures
/// whole (the clean predictions, accuracies). One run is one part holding every atom; a sharded run
/// is one part per shard, and <see cref="Combine"/> gives the part one run would have made.
/// </summary>
internal sealed record RobustnessPart(int Atoms, int[] Share, bool[] CleanCorrect, double CleanAccuracy, double Baseline,
    List<ZeroGradientCount> ZeroGradients, List<StrengthPart> Strengths, int[] SanitySample, List<SanityPart> Sanity)
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static RobustnessPart FromJson(string json) => JsonSerializer.Deserialize<RobustnessPart>(json, Options) ?? throw new JsonException("empty robustness part");

    public static StrengthPart Of(double eps, IReadOnlyList<AttackResult> attacks) => new(eps, attacks.Select(a => new AttackPart(a.Attack.Subject,
        Enumerable.Range(0, a.Broken.Length).Where(i => a.Broken[i]).ToArray(), a.Attacked, a.FlippedLinf, a.FlippedL2, a.Seconds, a.ProbeSurvivors)).ToList());

    /// <summary>The parts of every shard as one: every atom exactly once, the same whole-set measurements and the same attacks in each.</summary>
    /// <exception cref="GateInputException">The parts do not make up one evaluation.</exception>
    public static RobustnessPart Combine(IReadOnlyList<RobustnessPart> parts, SourceLocation at)
    {
        var first = parts[0];
        if (parts.Any(p => p.Atoms != first.Atoms) || !Shard.CoverExactlyOnce(parts.Select(p => p.Share), first.Atoms))
            throw Mismatch("the shards do not cover the evaluation set's atoms exactly once", at);
        if (parts.Any(p => !p.CleanCorrect.SequenceEqual(first.CleanCorrect) || p.CleanAccuracy != first.CleanAccuracy || p.Baseline != first.Baseline))
            throw Mismatch("the shards' clean predictions differ (a randomised model cannot be split into shards)", at);
        if (parts.Any(p => !p.ZeroGradients.Select(z => z.Loss).SequenceEqual(first.ZeroGradients.Select(z => z.Loss))
                || !p.Strengths.Select(s => (s.Eps, string.Join(' ', s.Attacks.Select(a => a.Subject)))).SequenceEqual(first.Strengths.Select(s => (s.Eps, string.Join(' ', s.Attacks.Select(a => a.Subject)))))
                || !p.Sanity.Select(s => s.Eps).SequenceEqual(first.Sanity.Select(s => s.Eps))))
            throw Mismatch("the shards ran different checks", at);
        return first with
        {
            Share = [.. parts.SelectMany(p => p.Share).Order()],
            ZeroGradients = first.ZeroGradients.Select((z, k) => z with { Zero = parts.Sum(p => p.ZeroGradients[k].Zero), Counted = parts.Sum(p => p.ZeroGradients[k].Counted) }).ToList(),
            Strengths = first.Strengths.Select((s, k) => s with
            {
                Attacks = s.Attacks.Select((a, j) => new AttackPart(a.Subject,
                    [.. parts.SelectMany(p => p.Strengths[k].Attacks[j].Broken).Order()],
                    parts.Sum(p => p.Strengths[k].Attacks[j].Attacked),
                    [.. parts.SelectMany(p => p.Strengths[k].Attacks[j].FlippedLinf)],
                    [.. parts.SelectMany(p => p.Strengths[k].Attacks[j].FlippedL2)],
                    parts.Sum(p => p.Strengths[k].Attacks[j].Seconds),
                    a.ProbeSurvivors is null ? null : parts.Sum(p => p.Strengths[k].Attacks[j].ProbeSurvivors ?? 0))).ToList(),
            }).ToList(),
            SanitySample = [.. parts.SelectMany(p => p.SanitySample).Order()],
            Sanity = first.Sanity.Select((s, k) => s with { Broken = [.. parts.SelectMany(p => p.Sanity[k].Broken).Order()] }).ToList(),
        };
    }

    private static GateInputException Mismatch(string problem, SourceLocation at) =>
        new(EngineRules.PartialMismatch, $"the robustness rule's parts cannot be merged: {problem}", at);

    /// <summary>Per sample of the evaluation set: whether it is listed.</summary>
    public bool[] Flags(int[] samples)
    {
        var flags = new bool[CleanCorrect.Length];
        foreach (var i in samples)
            flags[i] = true;
        return flags;
    }
}
