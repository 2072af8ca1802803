using System.Text.Json;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Robustness.Detection;

/// <summary>One attack's detections on the images of a share, and its wall time there.</summary>
internal sealed record DetectionRunPart(string Name, double Eps, Dictionary<long, List<DetectedBox>> Detections, double Seconds);

/// <summary>
/// What a detection-robustness rule measured on a share of its batches of images (atoms: the
/// annotations' images in order, a batch each): every attack's and the sanity attack's detections
/// there and the zero-gradient count, beside the clean detections every share makes whole. One run
/// is one part holding every atom; <see cref="Combine"/> makes the shards' parts that part.
/// </summary>
internal sealed record DetectionPart(int Atoms, int[] Share, Dictionary<long, List<DetectedBox>> Clean, double CleanSeconds, int ZeroGradientImages, int CountedImages,
    List<DetectionRunPart> Runs, DetectionRunPart Sanity)
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static DetectionPart FromJson(string json) => JsonSerializer.Deserialize<DetectionPart>(json, Options) ?? throw new JsonException("empty detection part");

    /// <summary>The parts of every shard as one: every atom exactly once, the same clean detections and the same attacks in each.</summary>
    /// <exception cref="GateInputException">The parts do not make up one evaluation.</exception>
    public static DetectionPart Combine(IReadOnlyList<DetectionPart> parts, SourceLocation at)
    {
        var first = parts[0];
        if (parts.Any(p => p.Atoms != first.Atoms) || !Shard.CoverExactlyOnce(parts.Select(p => p.Share), first.Atoms))
            throw Mismatch("the shards do not cover the images' batches exactly once", at);
        var clean = JsonSerializer.Serialize(first.Clean, Options);
        if (parts.Any(p => JsonSerializer.Serialize(p.Clean, Options) != clean))
            throw Mismatch("the shards' clean detections differ (a randomised detector cannot be split into shards)", at);
        if (parts.Any(p => !p.Runs.Select(r => (r.Name, r.Eps)).SequenceEqual(first.Runs.Select(r => (r.Name, r.Eps))) || p.Sanity.Name != first.Sanity.Name))
            throw Mismatch("the shards ran different attacks", at);
        return first with
        {
            Share = [.. parts.SelectMany(p => p.Share).Order()],
            ZeroGradientImages = parts.Sum(p => p.ZeroGradientImages),
            CountedImages = parts.Sum(p => p.CountedImages),
            Runs = first.Runs.Select((r, k) => Union(parts.Select(p => p.Runs[k]).ToList())).ToList(),
            Sanity = Union(parts.Select(p => p.Sanity).ToList()),
        };
    }

    private static DetectionRunPart Union(IReadOnlyList<DetectionRunPart> runs) => runs[0] with
    {
        Detections = runs.SelectMany(r => r.Detections).ToDictionary(d => d.Key, d => d.Value),
        Seconds = runs.Sum(r => r.Seconds),
    };

    private static GateInputException Mismatch(string problem, SourceLocation at) =>
        new(EngineRules.PartialMismatch, $"the detection-robustness rule's parts cannot be merged: {problem}", at);
}
