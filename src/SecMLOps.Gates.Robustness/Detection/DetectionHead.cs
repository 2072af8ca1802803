using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Detection;

/// <summary>
/// What the attacks aim at among a head's candidates (the cells of a center-scale head, the boxes of a
/// box-list head), one value a candidate, in the shape of the head's score logits: the positives (a
/// candidate that finds an annotated pedestrian), the weight of every other candidate as a negative (zero
/// where it may rightly fire, inside ignore regions, or near a pedestrian), and the candidates that still
/// show a pedestrian to the decoder, which DeepFool must bring below the threshold.
/// </summary>
public sealed record CandidateTargets(Tensor Positive, Tensor NegativeWeight, Tensor Regions)
{
    /// <summary>Whether each image has a pedestrian whose candidates the attacks can aim at.</summary>
    public Tensor HasPedestrians => Positive.flatten(1).amax([1]).gt(Held(0));

    /// <summary>The targets of the images at <paramref name="index"/>.</summary>
    public CandidateTargets Select(Tensor index) => new(Positive.index_select(0, index), NegativeWeight.index_select(0, index), Regions.index_select(0, index));

    /// <summary>The same targets, outliving the dispose scope they were made in.</summary>
    public CandidateTargets Detached() => new(Positive.DetachFromDisposeScope(), NegativeWeight.DetachFromDisposeScope(), Regions.DetachFromDisposeScope());
}

/// <summary>
/// How a detector's output is read: its expected shape, its decoding into scored boxes (a score threshold,
/// then greedy non-maximum suppression), the candidates' score logits the attacks lower and raise, and the
/// targets that say which candidates find an annotated pedestrian.
/// </summary>
public abstract record DetectionHead(double ScoreThreshold, double NmsThreshold, bool ScoreIsProbability)
{
    /// <summary>The decision threshold as a logit: a candidate above it gives a box.</summary>
    public double ThresholdLogit => Math.Log(ScoreThreshold / (1 - ScoreThreshold));

    /// <summary>An error message when the output does not have the shape this head reads for a batch of such images; null when it does.</summary>
    public abstract string? ShapeProblem(long[] output, long batch, long height, long width);

    /// <summary>One image's boxes ([x, y, w, h] in pixels, the score a probability), best first.</summary>
    public abstract IReadOnlyList<DetectedBox> Decode(Tensor output);

    /// <summary>Every candidate's score as the model writes it, for a batch of outputs (the first dimension the image).</summary>
    protected abstract Tensor Scores(Tensor output);

    /// <summary>The setting that says whether the scores are probabilities or logits, as the policy names it.</summary>
    protected abstract string ScoreSetting { get; }

    /// <summary>Every candidate's score as a logit, for a batch of outputs (the first dimension the image).</summary>
    public Tensor ScoreLogits(Tensor output) => AsLogits(Scores(output));

    /// <summary>
    /// An error message when a batch's scores cannot be what the policy says: probabilities outside [0, 1], or
    /// logits that all lie in [0, 1] (probabilities read as logits would put a box on every candidate, and a
    /// detector that finds everything keeps its miss rate under attack); null when they can.
    /// </summary>
    public string? ScoreProblem(Tensor output)
    {
        using var scope = NewDisposeScope();
        var scores = Scores(output);
        var (low, high) = (scores.min().item<float>(), scores.max().item<float>());
        if (ScoreIsProbability && (low < 0 || high > 1))
            return FormattableString.Invariant($"the model's scores run from {low:G4} to {high:G4}, outside [0, 1]: they are not probabilities (head.{ScoreSetting}: probabilities); if they are logits, say {ScoreSetting}: logits");
        if (!ScoreIsProbability && low >= 0 && high <= 1)
            return FormattableString.Invariant($"every score of the model lies in [0, 1] ({low:G4} to {high:G4}): they look like probabilities, and read as logits (head.{ScoreSetting}: logits) every candidate would pass the threshold; if they are probabilities, say {ScoreSetting}: probabilities");
        return null;
    }

    /// <summary>The targets of a batch of annotated images, given the head's clean output on them.</summary>
    public abstract CandidateTargets Targets(IReadOnlyList<IReadOnlyList<AnnotatedBox>> images, Tensor output, Device device);

    /// <summary>Scores as logits: the log-odds of a head that outputs probabilities.</summary>
    protected Tensor AsLogits(Tensor score)
    {
        if (!ScoreIsProbability)
            return score;
        var p = score.clamp(Held(1e-7), Held(1 - 1e-7));
        return p.log() - p.neg().log1p();
    }

    /// <summary>Scores as probabilities.</summary>
    protected Tensor AsProbabilities(Tensor score) => ScoreIsProbability ? score : score.sigmoid();

    /// <summary>Greedy non-maximum suppression, best first (areas counted with the +1 pixel convention of the reference detectors), at most the protocol's detections an image.</summary>
    protected IReadOnlyList<DetectedBox> Suppress(IEnumerable<DetectedBox> candidates)
    {
        var kept = new List<DetectedBox>();
        foreach (var box in candidates.OrderByDescending(b => b.Score))
        {
            if (kept.Count >= MissRate.MaxDetectionsPerImage)
                break;
            if (kept.All(k => Overlap(k, box) <= NmsThreshold))
                kept.Add(box);
        }
        return kept;
    }

    private static double Overlap(DetectedBox a, DetectedBox b)
    {
        var width = Math.Min(a.X + a.Width, b.X + b.Width) - Math.Max(a.X, b.X) + 1;
        var height = Math.Min(a.Y + a.Height, b.Y + b.Height) - Math.Max(a.Y, b.Y) + 1;
        if (width <= 0 || height <= 0)
            return 0;
        var intersection = width * height;
        return intersection / ((a.Width + 1) * (a.Height + 1) + (b.Width + 1) * (b.Height + 1) - intersection);
    }

    /// <summary>
    /// The score classification's loss per image, [N]: binary cross-entropy, -log p on the positive candidates
    /// and -w log(1 - p) on the others (w their negative weight), the two averaged apart (over the positives,
    /// and over the negatives' weights) so that a few pedestrians are not drowned by thousands of background
    /// candidates. Training adds a focal factor, (1 - p)^2 and p^2, which the attacks leave out: it flattens the
    /// gradient wherever the detector is confident, and a confident detector would look robust for it.
    /// Raising the loss hides pedestrians and puts boxes where there are none.
    /// </summary>
    public static Tensor ScoreLoss(Tensor logits, CandidateTargets targets)
    {
        var flat = logits.flatten(1);
        var positive = targets.Positive.flatten(1);
        var missed = nn.functional.softplus(-flat) * positive;
        var negativeWeight = targets.NegativeWeight.flatten(1) * positive.neg().add(Held(1));
        var invented = nn.functional.softplus(flat) * negativeWeight;
        var positives = positive.sum([1]).clamp_min(Held(1));
        var negatives = negativeWeight.sum([1]).clamp_min(Held(1e-6));
        return (missed.sum([1]) / positives).Plus(invented.sum([1]) / negatives);
    }
}
