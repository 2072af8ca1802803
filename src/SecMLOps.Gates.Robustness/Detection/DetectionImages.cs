using SecMLOps.Gates.Data;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Policies;
using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Detection;

/// <summary>The annotated images of a pedestrian-annotations dataset as one tensor [N, C, H, W] in the model's value range, in the annotations' order.</summary>
public sealed record DetectionImages(Tensor Inputs, IReadOnlyList<long> ImageIds, PedestrianAnnotations Truth)
{
    public int Count => ImageIds.Count;

    /// <summary>The <paramref name="count"/> images from position <paramref name="start"/> on (a view, not a copy), with their annotations alone.</summary>
    public DetectionImages Slice(int start, int count)
    {
        var ids = ImageIds.Skip(start).Take(count).ToList();
        return new DetectionImages(Inputs.narrow(0, start, count), ids, Truth.Subset(ids));
    }

    /// <summary>The images at the given positions, with their annotations alone.</summary>
    public DetectionImages Subset(IReadOnlyList<int> rows)
    {
        var ids = rows.Select(i => ImageIds[i]).ToList();
        return new DetectionImages(Inputs.index_select(0, tensor(rows.Select(i => (long)i).ToArray())), ids, Truth.Subset(ids));
    }

    /// <summary>The positions of the first <paramref name="count"/> images that hold a pedestrian not marked ignore.</summary>
    public static IReadOnlyList<int> WithPedestrians(PedestrianAnnotations truth, int count) =>
        Enumerable.Range(0, truth.ImageIds.Count).Where(i => truth.Of(truth.ImageIds[i]).Any(b => !b.Ignore)).Take(count).ToList();

    /// <summary>
    /// Reads the annotations, then every image they list (each named by its file_name inside the images
    /// folder, all of one size: the model's input where a model takes them, else the first image's, in RGB),
    /// mapping the pixel values onto <paramref name="valueRange"/>. <paramref name="recordInput"/> is told of each file read.
    /// </summary>
    public static DetectionImages Load(DatasetSpec dataset, long[]? inputShape, (double Low, double High) valueRange, SourceLocation shapeDeclaredAt, string relativeAnnotations, Action<string> recordInput)
    {
        if (inputShape is not null and not [1 or 3, _, _])
            throw new GateInputException(EngineRules.UnsupportedModelFeature,
                $"a detector takes one image as [channels, height, width] with 1 or 3 channels; the model's input is [{string.Join(", ", inputShape)}]", shapeDeclaredAt);
        var truth = PedestrianBoxes.ReadAnnotations(dataset.Path, relativeAnnotations);
        if (truth.ImageIds.Count == 0)
            throw new GateInputException(EngineRules.InputMalformed, $"dataset {dataset.Name}: the annotations list no image", dataset.Location);
        var folder = Path.GetFullPath(dataset.PathOf(PedestrianBoxes.ImagesKey));
        var (channels, height, width) = inputShape is [var c, var h, var w] ? (c, h, w) : FirstImageShape(dataset, truth, folder);
        var perImage = channels * height * width;
        if (truth.ImageIds.Count * perImage > InputLimits.DatasetMemoryBytes / sizeof(float))
            throw new GateInputException(EngineRules.InputMalformed,
                $"dataset {dataset.Name}: {truth.ImageIds.Count} images of [{channels}, {height}, {width}] take more than a dataset may in memory ({InputLimits.DatasetMemoryVariable} sets it, in bytes)", dataset.Location);
        var (dataLow, dataHigh) = dataset.ValueRange ?? (0, 255);
        var (modelLow, modelHigh) = valueRange;
        var scale = (modelHigh - modelLow) / (dataHigh - dataLow);
        var values = new float[truth.ImageIds.Count * perImage];
        for (var n = 0; n < truth.ImageIds.Count; n++)
        {
            var id = truth.ImageIds[n];
            var (path, name) = ImagePath(dataset, truth, folder, id);
            recordInput(path);
            var (pixels, imageWidth, imageHeight) = Read(dataset, path, name, id, (int)channels);
            if (imageWidth != width || imageHeight != height)
                throw new GateInputException(EngineRules.InputMalformed,
                    $"dataset {dataset.Name}: image {id} ({name}) is {imageWidth}x{imageHeight}, not {width}x{height} ({(inputShape is null ? "the size of the first image" : "the model's input")})", dataset.Location);
            // HWC in the file, CHW for the model; values outside the dataset's range are an error, never clamped.
            var offset = n * perImage;
            for (var i = 0; i < pixels.Length; i++)
            {
                var value = pixels[i];
                if (value < dataLow || value > dataHigh)
                    throw new GateInputException(EngineRules.InputMalformed, $"dataset {dataset.Name}: image {id} ({name}) holds {value}, outside the dataset's valueRange [{dataLow}, {dataHigh}]", dataset.Location);
                var (pixel, channel) = Math.DivRem(i, (int)channels);
                values[offset + channel * height * width + pixel] = (float)((value - dataLow) * scale + modelLow);
            }
        }
        return new DetectionImages(tensor(values, [truth.ImageIds.Count, channels, height, width]), truth.ImageIds, truth);
    }

    private static (long Channels, long Height, long Width) FirstImageShape(DatasetSpec dataset, PedestrianAnnotations truth, string folder)
    {
        var id = truth.ImageIds[0];
        var (path, name) = ImagePath(dataset, truth, folder, id);
        var (_, width, height) = Read(dataset, path, name, id, 3);
        return (3, height, width);
    }

    /// <summary>The image's file, which must lie inside the images folder.</summary>
    private static (string Path, string Name) ImagePath(DatasetSpec dataset, PedestrianAnnotations truth, string folder, long id)
    {
        if (truth.FileNames?.GetValueOrDefault(id) is not { } name)
            throw new GateInputException(EngineRules.InputMalformed, $"dataset {dataset.Name}: image {id} has no file_name", dataset.Location);
        var path = Path.GetFullPath(Path.Combine(folder, name));
        if (Path.IsPathRooted(name) || !path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new GateInputException(EngineRules.InputMalformed, $"dataset {dataset.Name}: image {id}'s file_name '{name}' leads outside the images folder", dataset.Location);
        return (path, name);
    }

    private static (float[] Pixels, int Width, int Height) Read(DatasetSpec dataset, string path, string name, long id, int channels)
    {
        try
        {
            return ImageFolderDatasetReader.ReadImage(path, channels);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new GateInputException(EngineRules.InputMalformed, $"dataset {dataset.Name}: image {id} ({name}): {e.Message}", dataset.Location);
        }
    }
}
