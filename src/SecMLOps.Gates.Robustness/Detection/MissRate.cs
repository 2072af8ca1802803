namespace SecMLOps.Gates.Robustness.Detection;

/// <summary>
/// A named evaluation setting: the pedestrians it counts (height in pixels and visible share, both
/// bounds inclusive); the others are ignored, and so are the detections matched to them.
/// </summary>
public sealed record MissRateSetting(string Name, double MinHeight, double MaxHeight, double MinVisibility, double MaxVisibility)
{
    /// <summary>
    /// The four settings the SecMLOps paper reports (its Table 5), with the bounds of the CityPersons
    /// evaluation code the published figures were computed with: Heavy there is visibility 0.2 to 0.65,
    /// where the paper's table says 0.25; the code's bound is the default so that the gate's figures
    /// compare with published ones.
    /// </summary>
    public static IReadOnlyList<MissRateSetting> Standard { get; } =
    [
        new("reasonable", 50, double.PositiveInfinity, 0.65, double.PositiveInfinity),
        new("small", 50, 75, 0.65, double.PositiveInfinity),
        new("heavy", 50, double.PositiveInfinity, 0.2, 0.65),
        new("all", 20, double.PositiveInfinity, 0.2, double.PositiveInfinity),
    ];

    public bool Counts(AnnotatedBox box) =>
        !box.Ignore && box.Height >= MinHeight && box.Height <= MaxHeight && box.Visibility >= MinVisibility && box.Visibility <= MaxVisibility;

    /// <summary>Detections are kept when their height lies in [MinHeight / 1.25, MaxHeight * 1.25): a little slack, so that a box slightly off a counted pedestrian's size still matches it.</summary>
    public bool Keeps(DetectedBox box) => box.Height >= MinHeight / HeightSlack && box.Height < MaxHeight * HeightSlack;

    private const double HeightSlack = 1.25;
}

/// <param name="LogAverage">The log-average miss rate, a fraction (0.114 is the 11.4 % papers print).</param>
/// <param name="MissRates">The miss rate at each of <see cref="MissRate.ReferenceFppi"/>.</param>
/// <param name="Pedestrians">Pedestrians the setting counts.</param>
public sealed record MissRateResult(MissRateSetting Setting, double LogAverage, IReadOnlyList<double> MissRates, int Pedestrians, int Images);

/// <summary>One image's part of the miss-rate curve: its kept detections' scores and whether each found a counted pedestrian, and how many it counts.</summary>
public sealed record ImageOutcome(IReadOnlyList<(double Score, bool Hit)> Outcomes, int Pedestrians);

/// <summary>
/// The log-average miss rate of a pedestrian detector, by the CityPersons protocol. Per image,
/// detections are taken by score (at most 1,000), those outside the setting's height slack are
/// dropped, and each is matched greedily: to the counted pedestrian it overlaps best (intersection over
/// union at least 0.5), else to the first ignored box that holds at least half of it (intersection over
/// the detection's area), which makes it neither a hit nor a false positive. Over all images, by
/// score, the miss rate is taken at nine false-positive-per-image rates spaced evenly in log space
/// from 0.01 to 1 (each at the last point of the curve at or below it); their geometric mean is the
/// figure. Where the curve has no point at or below a rate (the best-scored detection of the whole
/// set is a false positive), the miss rate there is 1: no detection is kept at that rate. (The
/// reference code reads the curve's last point instead, which flatters a detector evaluated on fewer
/// than 100 images.)
/// </summary>
public static class MissRate
{
    public const int MaxDetectionsPerImage = 1000;
    public const double MinOverlap = 0.5;

    /// <summary>10^-2 to 10^0 in eight equal steps of the exponent, at the four decimals the reference code uses.</summary>
    public static IReadOnlyList<double> ReferenceFppi { get; } = [0.0100, 0.0178, 0.0316, 0.0562, 0.1000, 0.1778, 0.3162, 0.5623, 1.0000];

    /// <returns>Null when the setting counts no pedestrian in these images: a miss rate of nothing is not a figure.</returns>
    public static MissRateResult? Evaluate(PedestrianAnnotations truth, IReadOnlyDictionary<long, IReadOnlyList<DetectedBox>> detections, MissRateSetting setting) =>
        FromImages(PerImage(truth, detections, setting), setting);

    /// <summary>Each image's matched detections (score, and whether it found a counted pedestrian; neutral ones left out) and counted pedestrians, in image id order.</summary>
    public static IReadOnlyList<ImageOutcome> PerImage(PedestrianAnnotations truth, IReadOnlyDictionary<long, IReadOnlyList<DetectedBox>> detections, MissRateSetting setting)
    {
        var images = new List<ImageOutcome>();
        foreach (var image in truth.ImageIds.Order())
        {
            var outcomes = new List<(double Score, bool Hit)>();
            // Counted pedestrians first, then ignored boxes, each in file order.
            var boxes = truth.Of(image).Select(b => (Box: b, Counted: setting.Counts(b))).OrderBy(b => b.Counted ? 0 : 1).ToList();
            var found = new bool[boxes.Count];
            var ranked = (detections.GetValueOrDefault(image) ?? []).OrderByDescending(d => d.Score).Take(MaxDetectionsPerImage).Where(setting.Keeps);
            foreach (var detection in ranked)
            {
                var (match, best) = (-1, MinOverlap);
                for (var g = 0; g < boxes.Count; g++)
                {
                    if (found[g]) continue;
                    // Ignored boxes come after every counted one: reached with a match in hand, the search is over.
                    if (match >= 0 && !boxes[g].Counted) break;
                    var overlap = Overlap(detection, boxes[g].Box, boxes[g].Counted);
                    if (overlap < best) continue;
                    (match, best) = (g, overlap);
                }
                if (match < 0)
                {
                    outcomes.Add((detection.Score, false));
                }
                else if (boxes[match].Counted)
                {
                    found[match] = true;
                    outcomes.Add((detection.Score, true));
                }
            }
            images.Add(new ImageOutcome(outcomes, boxes.Count(b => b.Counted)));
        }
        return images;
    }

    /// <summary>The figure over these images' outcomes (an image may appear more than once, as in a bootstrap resample); null when they count no pedestrian.</summary>
    public static MissRateResult? FromImages(IReadOnlyList<ImageOutcome> images, MissRateSetting setting)
    {
        var pedestrians = images.Sum(i => i.Pedestrians);
        if (pedestrians == 0)
            return null;
        var curve = images.SelectMany(i => i.Outcomes).OrderByDescending(o => o.Score).ToList();
        var (hits, falsePositives) = (new int[curve.Count], new int[curve.Count]);
        for (var i = 0; i < curve.Count; i++)
        {
            hits[i] = (i > 0 ? hits[i - 1] : 0) + (curve[i].Hit ? 1 : 0);
            falsePositives[i] = (i > 0 ? falsePositives[i - 1] : 0) + (curve[i].Hit ? 0 : 1);
        }
        var count = images.Count;
        var missRates = ReferenceFppi.Select(rate =>
        {
            var last = Array.FindLastIndex(falsePositives, fp => (double)fp / count <= rate);
            return last < 0 ? 1.0 : 1 - (double)hits[last] / pedestrians;
        }).ToList();
        return new MissRateResult(setting, Math.Exp(missRates.Average(Math.Log)), missRates, pedestrians, count);
    }

    /// <summary>Intersection over union with a counted pedestrian; over the detection's own area with an ignored box (a region may hold many people).</summary>
    private static double Overlap(DetectedBox detection, AnnotatedBox box, bool counted)
    {
        var width = Math.Min(detection.X + detection.Width, box.X + box.Width) - Math.Max(detection.X, box.X);
        var height = Math.Min(detection.Y + detection.Height, box.Y + box.Height) - Math.Max(detection.Y, box.Y);
        if (width <= 0 || height <= 0)
            return 0;
        var intersection = width * height;
        var detectionArea = detection.Width * detection.Height;
        return counted ? intersection / (detectionArea + box.Width * box.Height - intersection) : intersection / detectionArea;
    }
}
