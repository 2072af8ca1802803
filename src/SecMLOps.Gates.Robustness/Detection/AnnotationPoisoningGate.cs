using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;
using static System.FormattableString;
using static SecMLOps.Gates.Robustness.Tensors.HeldScalars;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Detection;

/// <summary>An annotation-poisoning rule's settings (schema: annotation-poisoning.settings.schema.json).</summary>
public sealed record AnnotationPoisoningSettings(DatasetSpec Training, DatasetSpec Golden, double MaxGoldenFlagRate, double MaxSuspiciousShare, string? Quarantine, int Seed)
{
    public static AnnotationPoisoningSettings? Bind(SettingsBinder binder)
    {
        var training = Annotations(binder, "training");
        var golden = Annotations(binder, "golden");
        if (golden is not null && golden.Pins.Any(p => p.Sha256 is null))
            binder.Error(EngineRules.PolicyInconsistent,
                $"the golden dataset {golden.Name} is the reference every box is judged by: pin its annotations with sha256 and its images with {DatasetFormat.PinKey(PedestrianBoxes.ImagesKey)}", binder["golden"]);
        var quarantine = binder.OutputFile("quarantine", "quarantine file");
        if (training is null || golden is null || binder.HasErrors)
            return null;
        return new AnnotationPoisoningSettings(training, golden, binder.Number("maxGoldenFlagRate"), binder.Number("maxSuspiciousShare"), quarantine, binder.Integer("seed"));
    }

    private static DatasetSpec? Annotations(SettingsBinder binder, string key)
    {
        var dataset = binder.Dataset(key, labelledSamples: false);
        if (dataset is not null && dataset.Format != PedestrianBoxes.Format)
            binder.Error(EngineRules.PolicyInconsistent, $"dataset {dataset.Name} is {dataset.Format.Name}; {key} must be annotated images ({PedestrianBoxes.Format.Name})", binder[key]);
        return dataset;
    }
}

/// <summary>
/// Boxes that do not show a pedestrian in a detector's training annotations, the data poisoning of the
/// SecMLOps paper (clutter labelled as pedestrian centers), and boxes put on a pedestrian at the wrong size
/// or place. The golden set teaches a small classifier what a pedestrian box shows: its pedestrians against
/// background crops of the same sizes that overlap no box and against misplaced boxes on its pedestrians
/// (scaled, widened, narrowed or moved until their IoU with every annotated box is below 0.5).
/// Scored by classifiers that did not see them (5 folds by image), the golden pedestrians set the threshold:
/// maxGoldenFlagRate of them fall below it. Every training box below it is suspicious and goes to the
/// quarantine file by image and box; more than maxSuspiciousShare of the boxes fails the rule.
/// </summary>
public sealed class AnnotationPoisoningGate : Gate<AnnotationPoisoningSettings>
{
    public const string Kind = "annotation-poisoning";

    private const int Folds = 5;
    private const int BackgroundPerImage = 4;
    private const int MisplacedPerPedestrian = 2;
    private const int Epochs = 300;

    /// <summary>
    /// The golden pedestrians' held-out scores (five trainings) by golden set and seed, so that rules checking
    /// several training sets against one golden set train the folds once. The key is the golden set's pinned
    /// digests, which every rule verifies before it reads the set.
    /// </summary>
    private static readonly ConcurrentDictionary<string, double[]> HeldOutByGolden = new(StringComparer.Ordinal);

    public override GateDescriptor Descriptor { get; } = new(
        Kind,
        "A detector's training annotations hold pedestrians, boxed where they stand, not boxes put on clutter or beside them; suspicious boxes are quarantined by image and box.",
        "A classifier learns what a pedestrian box shows from the golden set's pedestrians, background crops of their sizes (overlapping no box) " +
        "and misplaced boxes on its pedestrians (scaled, widened, narrowed or moved until their IoU with every annotated box is below 0.5, where the evaluation protocol stops matching); " +
        "held-out golden pedestrians (5 folds by image) set the threshold below which maxGoldenFlagRate of them would fall. Every training box not marked ignore " +
        "is scored; those below the threshold go to the quarantine file (image, box, score), and more than maxSuspiciousShare of them fails the rule.",
        GateDescriptor.EmbeddedSettingsSchema(typeof(AnnotationPoisoningGate), Kind))
    {
        Cacheable = true,
        DatasetFormats = [PedestrianBoxes.Format],
    };

    public override AnnotationPoisoningSettings? Bind(SettingsBinder binder) => AnnotationPoisoningSettings.Bind(binder);

    public override ScaffoldSection? Scaffold(ScaffoldContext context) => context.EvaluationFormat == PedestrianBoxes.Format
        ? new([$"# Poisoned training boxes (a hash-pinned golden set of verified scenes): see {Descriptor.HelpPath}."], IsRule: false)
        : null;

    public override GateResult Evaluate(GateContext context, AnnotationPoisoningSettings settings)
    {
        var at = new[] { context.RuleLocation };
        var findings = new List<Finding>(context.VerifyDataset(settings.Golden));
        findings.AddRange(context.VerifyDataset(settings.Training));
        manual_seed(settings.Seed);
        using var scope = NewDisposeScope();
        var golden = DetectionImages.Load(settings.Golden, null, (0, 1), settings.Golden.Location, context.Root.Relative(settings.Golden.Path), context.RecordInput);
        var training = DetectionImages.Load(settings.Training, null, (0, 1), settings.Training.Location, context.Root.Relative(settings.Training.Path), context.RecordInput);

        var random = new Random(settings.Seed);
        var (crops, labels, imageOf) = GoldenCrops(golden, random);
        var positives = (int)labels.sum().item<float>();
        if (positives < 2 * Folds)
            throw new GateInputException(EngineRules.InputMalformed,
                $"the golden dataset {settings.Golden.Name} holds {positives} pedestrians not marked ignore; the check needs at least {2 * Folds} to learn from and to set its threshold", settings.Golden.Location);
        context.Progress(Invariant($"golden: {positives} pedestrians, {labels.shape[0] - positives} background crops"));

        var goldenKey = string.Join('\n', [.. settings.Golden.Pins.Select(p => p.Sha256), settings.Golden.ValueRange?.ToString() ?? "", settings.Seed.ToString(CultureInfo.InvariantCulture)]);
        var heldOut = HeldOutByGolden.GetOrAdd(goldenKey, _ => HeldOutScores(crops, labels, imageOf, settings.Seed));
        var threshold = Quantile(heldOut, settings.MaxGoldenFlagRate);
        var model = Train(crops, labels, settings.Seed);
        var boxes = training.ImageIds.SelectMany((id, n) => training.Truth.Of(id).Where(b => !b.Ignore).Select(b => (Image: n, Box: b))).ToList();
        if (boxes.Count == 0)
            throw new GateInputException(EngineRules.InputMalformed, $"the training dataset {settings.Training.Name} holds no pedestrian box to check", settings.Training.Location);
        var scores = Score(model, stack(boxes.Select(b => Features(BoxCrops.Crop(training.Inputs[b.Image], b.Box))).ToList()));
        var suspicious = boxes.Select((b, i) => (b.Image, b.Box, Score: scores[i])).Where(s => s.Score < threshold).OrderBy(s => s.Score).ToList();
        var share = (double)suspicious.Count / boxes.Count;
        context.Progress(Invariant($"{suspicious.Count} of {boxes.Count} training boxes below the threshold {threshold:0.####}"));

        if (settings.Quarantine is { } quarantine)
            context.WriteOutput(quarantine, temporary => File.WriteAllText(temporary, QuarantineCsv(training, suspicious)));
        var properties = new Dictionary<string, object>
        {
            ["boxes"] = boxes.Count, ["suspicious"] = suspicious.Count, ["share"] = Math.Round(share, 6), ["threshold"] = Math.Round(threshold, 6),
            ["goldenPedestrians"] = positives, ["goldenBackground"] = (int)labels.shape[0] - positives, ["maxGoldenFlagRate"] = settings.MaxGoldenFlagRate,
            ["maxSuspiciousShare"] = settings.MaxSuspiciousShare,
        };
        var worst = string.Join("; ", suspicious.Take(5).Select(s => Invariant($"image {training.ImageIds[s.Image]} box {s.Box.Id?.ToString(CultureInfo.InvariantCulture) ?? "?"} at ({s.Box.X:0}, {s.Box.Y:0}) {s.Box.Width:0}x{s.Box.Height:0}, score {s.Score:0.###}")));
        findings.Add(Finding.Judge(context.Rule.Id, $"annotations/{settings.Training.Name}", share, Limit.AtMost(settings.MaxSuspiciousShare, "0.###"),
            Invariant($"{suspicious.Count} of the {boxes.Count} boxes of {settings.Training.Name} ({share:P1}) look less like a pedestrian than all but {settings.MaxGoldenFlagRate:P1} of the golden set's own, held out") +
            (suspicious.Count > 0 ? $" (least pedestrian-like: {worst}{(settings.Quarantine is null ? "" : "; all in the quarantine file")})" : ""),
            context.RuleLocation, properties));
        return new GateResult(findings);
    }

    /// <summary>The golden pedestrians (label 1), and background crops of their sizes overlapping no box and misplaced boxes on them (label 0), with the image of each.</summary>
    private static (Tensor Crops, Tensor Labels, int[] ImageOf) GoldenCrops(DetectionImages golden, Random random)
    {
        var crops = new List<Tensor>();
        var labels = new List<float>();
        var imageOf = new List<int>();
        var heights = golden.ImageIds.SelectMany(id => golden.Truth.Of(id)).Where(b => !b.Ignore).Select(b => b.Height).ToArray();
        void Add(Tensor crop, float label, int image)
        {
            crops.Add(Features(crop));
            labels.Add(label);
            imageOf.Add(image);
        }
        for (var n = 0; n < golden.Count; n++)
        {
            var image = golden.Inputs[n];
            var annotated = golden.Truth.Of(golden.ImageIds[n]);
            foreach (var box in annotated.Where(b => !b.Ignore))
            {
                Add(BoxCrops.Crop(image, box), 1f, n);
                foreach (var misplaced in BoxCrops.Misplaced(image.shape[2], image.shape[1], box, annotated, MisplacedPerPedestrian, random))
                    Add(BoxCrops.Crop(image, misplaced), 0f, n);
            }
            if (heights.Length == 0)
                continue;
            foreach (var box in BoxCrops.Background(image.shape[2], image.shape[1], annotated, heights, BackgroundPerImage, random))
                Add(BoxCrops.Crop(image, box), 0f, n);
        }
        if (crops.Count == 0)
            return (zeros(0, BoxCrops.Values), zeros(0), []);
        return (stack(crops), tensor(labels.ToArray()), imageOf.ToArray());
    }

    /// <summary>Each golden pedestrian's score from a classifier trained on the other folds (folds by image).</summary>
    private static double[] HeldOutScores(Tensor crops, Tensor labels, int[] imageOf, int seed)
    {
        var images = imageOf.Distinct().ToArray();
        new Random(seed).Shuffle(images);
        var foldOf = images.Select((image, i) => (image, i % Folds)).ToDictionary(p => p.image, p => p.Item2);
        var label = labels.data<float>().ToArray();
        var scores = new List<double>();
        for (var fold = 0; fold < Folds; fold++)
        {
            using var scope = NewDisposeScope();
            var train = Enumerable.Range(0, imageOf.Length).Where(i => foldOf[imageOf[i]] != fold).Select(i => (long)i).ToArray();
            var test = Enumerable.Range(0, imageOf.Length).Where(i => foldOf[imageOf[i]] == fold && label[i] == 1).Select(i => (long)i).ToArray();
            if (test.Length == 0)
                continue;
            var model = Train(crops.index_select(0, tensor(train)), labels.index_select(0, tensor(train)), seed + 1 + fold);
            scores.AddRange(Score(model, crops.index_select(0, tensor(test))));
        }
        return scores.ToArray();
    }

    /// <summary>The value below which at most <paramref name="rate"/> of the scores lie.</summary>
    private static double Quantile(double[] scores, double rate)
    {
        var sorted = scores.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Floor(rate * sorted.Length))];
    }

    /// <summary>A crop as the classifier reads it: flattened, its own mean and spread taken out, so that lighting does not decide.</summary>
    private static Tensor Features(Tensor crop)
    {
        var flat = crop.flatten();
        return (flat - flat.mean()) / flat.std().add(Held(1e-3));
    }

    /// <summary>A one-hidden-layer network (TorchSharp modules and Adam), full batch, fixed seed.</summary>
    private static TorchSharp.Modules.Sequential Train(Tensor features, Tensor labels, int seed)
    {
        manual_seed(seed);
        var model = nn.Sequential(nn.Linear(BoxCrops.Values, 64), nn.ReLU(), nn.Linear(64, 1));
        using var optimizer = optim.Adam(model.parameters(), lr: 1e-3, weight_decay: 1e-4);
        // Pedestrians and background weigh the same whatever their counts.
        var positives = labels.sum().item<float>();
        var weight = Math.Max(1, labels.shape[0] - positives) / Math.Max(1, positives);
        var positiveWeight = labels.mul(Held(weight));
        var negative = labels.neg().add(Held(1));
        for (var epoch = 0; epoch < Epochs; epoch++)
        {
            using var step = NewDisposeScope();
            optimizer.zero_grad();
            var logits = model.forward(features).squeeze(1);
            // Binary cross-entropy: softplus(-z) for a pedestrian, softplus(z) for background.
            (nn.functional.softplus(-logits) * positiveWeight).Plus(nn.functional.softplus(logits) * negative).mean().backward();
            optimizer.step();
        }
        model.eval();
        return model;
    }

    private static double[] Score(TorchSharp.Modules.Sequential model, Tensor features)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return model.forward(features).squeeze(1).sigmoid().to_type(ScalarType.Float64).data<double>().ToArray();
    }

    private static string QuarantineCsv(DetectionImages training, IEnumerable<(int Image, AnnotatedBox Box, double Score)> suspicious)
    {
        var text = new StringBuilder("image_id,file_name,annotation_id,x,y,w,h,score\n");
        foreach (var (image, box, score) in suspicious)
        {
            var id = training.ImageIds[image];
            text.AppendLine(Invariant($"{id},{Csv(training.Truth.FileNames?.GetValueOrDefault(id) ?? "")},{box.Id?.ToString(CultureInfo.InvariantCulture) ?? ""},{box.X:0.##},{box.Y:0.##},{box.Width:0.##},{box.Height:0.##},{score:0.######}"));
        }
        return text.ToString();
    }

    /// <summary>A file name as a CSV field: quoted where it holds a separator, and defused where a spreadsheet would run it as a formula.</summary>
    private static string Csv(string value)
    {
        var safe = value.Length > 0 && "=+-@\t\r".Contains(value[0]) ? "'" + value : value;
        return safe.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + safe.Replace("\"", "\"\"") + "\"" : safe;
    }
}
