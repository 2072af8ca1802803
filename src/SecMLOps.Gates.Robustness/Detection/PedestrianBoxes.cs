using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Robustness.Detection;

/// <summary>An annotated pedestrian: its box ([x, y, w, h], pixels), height, visible share, whether the annotators marked it to be ignored (a crowd, a reflection, a poster), and its annotation id where the file gives one.</summary>
public sealed record AnnotatedBox(double X, double Y, double Width, double Height, double Visibility, bool Ignore, long? Id = null);

/// <summary>A detected box ([x, y, w, h], pixels) and its score.</summary>
public sealed record DetectedBox(double X, double Y, double Width, double Height, double Score);

/// <summary>The ground truth of a set of images: every image (those without a pedestrian count too) and its annotated boxes.</summary>
/// <param name="FileNames">Each image's file_name where the file gives one (a path relative to the images folder).</param>
public sealed record PedestrianAnnotations(IReadOnlyList<long> ImageIds, IReadOnlyDictionary<long, IReadOnlyList<AnnotatedBox>> Boxes, IReadOnlyDictionary<long, string>? FileNames = null)
{
    public IReadOnlyList<AnnotatedBox> Of(long image) => Boxes.GetValueOrDefault(image) ?? [];

    /// <summary>These images alone, in the given order.</summary>
    public PedestrianAnnotations Subset(IReadOnlyList<long> ids) => new(ids, ids.ToDictionary(id => id, Of), FileNames);
}

/// <summary>
/// Reads pedestrian annotations in the CityPersons form of COCO JSON (images; annotations with
/// image_id, category_id, bbox [x, y, w, h], height, vis_ratio, ignore) and detections in COCO
/// results form (a list of image_id, category_id, bbox, score). Only the pedestrian category is
/// read; a malformed entry is an input error at its line and column, never skipped.
/// </summary>
public static class PedestrianBoxes
{
    /// <summary>The format's key naming the folder of the annotated images.</summary>
    public const string ImagesKey = "images";

    /// <summary>The dataset format of annotated pedestrian images: only the detection gates read it, and they declare it.</summary>
    public static DatasetFormat Format { get; } = new("pedestrian-annotations",
        "pedestrian boxes in the CityPersons form of COCO JSON (images with id and file_name; annotations with bbox, height, vis_ratio and ignore) in `path`, " +
        "the images they name (PNG or JPEG, one size) in the folder `images`, pinned as a folder by `imagesSha256`; read by the detection gates, never as labelled samples",
        JObject.Parse("""
            {
              "images": {"$ref": "#/definitions/relativeFolder", "description": "the folder holding the annotated images (the annotations' file_name is relative to it).", "x-stricter": "neutral"},
              "imagesSha256": {"$ref": "#/definitions/sha256", "description": "the pinned digest of the images folder, as for an image-folder dataset: the sha256 of its sorted listing, one line per file (its path relative to the folder, a tab, the file's sha256, a newline). A changed, added or removed file stops every rule that reads the dataset.", "x-stricter": "pinned"}
            }
            """), [ImagesKey], Folder: false, Open: null, name => name.EndsWith(".json", StringComparison.Ordinal));

    /// <summary>Annotation and detection files larger than this are refused before parsing.</summary>
    public const long MaxBytes = 512L * 1024 * 1024;

    public static PedestrianAnnotations ReadAnnotations(string fullPath, string relativePath, int pedestrianCategory = 1)
    {
        var root = Load(fullPath, relativePath);
        if (root is not JObject document || document["images"] is not JArray images || document["annotations"] is not JArray annotations)
            throw Malformed(relativePath, root, "an annotation file is an object with 'images' and 'annotations' lists (COCO form)");
        var ids = new List<long>();
        var files = new Dictionary<long, string>();
        var seen = new HashSet<long>();
        foreach (var image in images)
        {
            var id = Integer(relativePath, image, "id");
            if (!seen.Add(id))
                throw Malformed(relativePath, image, $"image id {id} is listed twice");
            ids.Add(id);
            if (image["file_name"] is { } name)
                files[id] = name.Type == JTokenType.String && ((string)name!).Length > 0 ? (string)name! : throw Malformed(relativePath, name, "'file_name' must be a non-empty string");
        }
        var known = seen;
        var boxes = new Dictionary<long, List<AnnotatedBox>>();
        foreach (var annotation in annotations)
        {
            if (Integer(relativePath, annotation, "category_id") != pedestrianCategory)
                continue;
            var image = Integer(relativePath, annotation, "image_id");
            if (!known.Contains(image))
                throw Malformed(relativePath, annotation, $"image_id {image} is not among the file's images");
            var (x, y, width, height) = Box(relativePath, annotation);
            var box = new AnnotatedBox(x, y, width,
                annotation["height"] is { } declared ? Number(relativePath, declared, "height") : height,
                Number(relativePath, annotation["vis_ratio"] ?? throw Malformed(relativePath, annotation, "'vis_ratio' (the visible share of the pedestrian) is missing"), "vis_ratio"),
                annotation["ignore"] is { } ignore && Integer(relativePath, ignore, "ignore") != 0,
                annotation["id"] is not null ? Integer(relativePath, annotation, "id") : null);
            if (box.Visibility is < 0 or > 1)
                throw Malformed(relativePath, annotation["vis_ratio"]!, $"vis_ratio {box.Visibility} is not a share between 0 and 1");
            (boxes.TryGetValue(image, out var list) ? list : boxes[image] = []).Add(box);
        }
        return new PedestrianAnnotations(ids, boxes.ToDictionary(b => b.Key, b => (IReadOnlyList<AnnotatedBox>)b.Value), files);
    }

    /// <summary>
    /// Detections by image, in file order; an image the annotations do not list is an error. A file of
    /// several runs (the detection gate's output: an object of COCO results lists keyed by run) needs
    /// <paramref name="run"/>, the key of the list to read.
    /// </summary>
    public static IReadOnlyDictionary<long, IReadOnlyList<DetectedBox>> ReadDetections(string fullPath, string relativePath, PedestrianAnnotations annotations, string? run = null, int pedestrianCategory = 1)
    {
        var root = Load(fullPath, relativePath);
        if (root is JObject runs)
        {
            if (run is null)
                throw Malformed(relativePath, root, $"the file holds the detections of several runs; name one ({string.Join(", ", runs.Properties().Select(p => p.Name))})");
            root = runs[run] ?? throw Malformed(relativePath, root, $"the file holds no run '{run}' (it holds {string.Join(", ", runs.Properties().Select(p => p.Name))})");
        }
        else if (run is not null)
        {
            throw Malformed(relativePath, root, $"run '{run}' was asked for, but the file is a single list of detections");
        }
        if (root is not JArray detections)
            throw Malformed(relativePath, root, "a detections file is a list of {image_id, category_id, bbox, score} (COCO results form)");
        var known = annotations.ImageIds.ToHashSet();
        var byImage = new Dictionary<long, List<DetectedBox>>();
        foreach (var detection in detections)
        {
            if (Integer(relativePath, detection, "category_id") != pedestrianCategory)
                continue;
            var image = Integer(relativePath, detection, "image_id");
            if (!known.Contains(image))
                throw Malformed(relativePath, detection, $"image_id {image} is not among the annotated images");
            var (x, y, width, height) = Box(relativePath, detection);
            var score = Number(relativePath, detection["score"] ?? throw Malformed(relativePath, detection, "'score' is missing"), "score");
            (byImage.TryGetValue(image, out var list) ? list : byImage[image] = []).Add(new DetectedBox(x, y, width, height, score));
        }
        return byImage.ToDictionary(b => b.Key, b => (IReadOnlyList<DetectedBox>)b.Value);
    }

    private static JToken Load(string fullPath, string relativePath)
    {
        try
        {
            using var reader = new JsonTextReader(new StreamReader(InputFiles.OpenRead(fullPath, MaxBytes)))
            {
                DateParseHandling = DateParseHandling.None,
                FloatParseHandling = FloatParseHandling.Double,
                MaxDepth = 16,
            };
            var root = JToken.ReadFrom(reader, new JsonLoadSettings { LineInfoHandling = LineInfoHandling.Load, DuplicatePropertyNameHandling = DuplicatePropertyNameHandling.Error });
            if (reader.Read())
                throw new GateInputException(EngineRules.InputMalformed, "unexpected content after the JSON value", new SourceLocation(relativePath, reader.LineNumber, reader.LinePosition));
            return root;
        }
        catch (JsonReaderException e)
        {
            throw new GateInputException(EngineRules.InputMalformed, e.Message, new SourceLocation(relativePath, e.LineNumber, e.LinePosition));
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new GateInputException(EngineRules.InputMalformed, e.Message, new SourceLocation(relativePath, 0, 0));
        }
    }

    private static (double X, double Y, double Width, double Height) Box(string path, JToken entry)
    {
        if (entry["bbox"] is not JArray { Count: 4 } box)
            throw Malformed(path, entry, "'bbox' must be [x, y, width, height]");
        var values = box.Select(v => Number(path, v, "bbox")).ToArray();
        if (values[2] < 0 || values[3] < 0)
            throw Malformed(path, box, "a bbox has a negative width or height");
        return (values[0], values[1], values[2], values[3]);
    }

    private static long Integer(string path, JToken entry, string key)
    {
        var token = entry is JObject ? entry[key] : entry;
        return token is { Type: JTokenType.Integer } ? (long)token : throw Malformed(path, token ?? entry, $"'{key}' must be an integer");
    }

    private static double Number(string path, JToken token, string key) =>
        token.Type is JTokenType.Integer or JTokenType.Float && double.IsFinite((double)token) ? (double)token : throw Malformed(path, token, $"'{key}' must be a finite number");

    private static GateInputException Malformed(string path, JToken token, string message) =>
        new(EngineRules.InputMalformed, message, SourceLocation.Of(path, token));
}
