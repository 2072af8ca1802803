using SkiaSharp;

namespace SecMLOps.Gates.Data;

/// <summary>
/// A folder with one subfolder a class (classes numbered in ordinal name order), holding PNG or JPEG
/// images of one size. Values are 0..255 in HWC order, grayscale (1 channel) or RGB (3).
/// </summary>
public sealed class ImageFolderDatasetReader : IDatasetReader
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];
    private readonly List<(string Path, int Label)> _files;
    private readonly int _channels;
    private readonly int _width;
    private readonly int _height;

    public ImageFolderDatasetReader(string folder, int channels)
    {
        _channels = channels;
        var classes = Directory.GetDirectories(folder).Order(StringComparer.Ordinal).ToList();
        if (classes.Count == 0)
            throw new InvalidDataException($"{folder} has no class subfolders");
        _files = classes.SelectMany((dir, label) => Directory.GetFiles(dir)
                .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal).Select(f => (f, label)))
            .ToList();
        if (_files.Count == 0)
            throw new InvalidDataException($"{folder} holds no PNG or JPEG images");
        using var first = Decode(_files[0].Path);
        (_width, _height) = (first.Width, first.Height);
        FeatureCount = _width * _height * channels;
    }

    public int FeatureCount { get; }

    public long? DeclaredRows => _files.Count;

    public (double Min, double Max)? NaturalRange => (0, 255);

    public IEnumerable<LabeledBatch> ReadBatches(int batchSize)
    {
        for (var first = 0; first < _files.Count; first += batchSize)
        {
            var count = Math.Min(batchSize, _files.Count - first);
            var features = new float[count * FeatureCount];
            var labels = new int[count];
            for (var i = 0; i < count; i++)
            {
                var (path, label) = _files[first + i];
                using var bitmap = Decode(path);
                if (bitmap.Width != _width || bitmap.Height != _height)
                    throw new InvalidDataException($"{path} is {bitmap.Width}x{bitmap.Height}; the folder's images are {_width}x{_height}");
                Fill(bitmap, _channels, features.AsSpan(i * FeatureCount, FeatureCount));
                labels[i] = label;
            }
            yield return new LabeledBatch(first, count, FeatureCount, features, labels);
        }
    }

    /// <summary>One image's values, 0..255 in HWC order, grayscale (1 channel) or RGB (3); an unreadable file is an <see cref="InvalidDataException"/>.</summary>
    public static (float[] Values, int Width, int Height) ReadImage(string path, int channels)
    {
        using var bitmap = Decode(path);
        var values = new float[bitmap.Width * bitmap.Height * channels];
        Fill(bitmap, channels, values);
        return (values, bitmap.Width, bitmap.Height);
    }

    private static void Fill(SKBitmap bitmap, int channels, Span<float> target)
    {
        var index = 0;
        for (var y = 0; y < bitmap.Height; y++)
            for (var x = 0; x < bitmap.Width; x++)
            {
                var pixel = bitmap.GetPixel(x, y);
                if (channels == 1)
                {
                    target[index++] = MathF.Round(0.299f * pixel.Red + 0.587f * pixel.Green + 0.114f * pixel.Blue);
                }
                else
                {
                    target[index++] = pixel.Red;
                    target[index++] = pixel.Green;
                    target[index++] = pixel.Blue;
                }
            }
    }

    /// <summary>The image's header is read first: a small file declaring a huge image is refused before its pixels are allocated.</summary>
    private static SKBitmap Decode(string path)
    {
        using (var codec = SKCodec.Create(path) ?? throw new InvalidDataException($"{path} is not a readable PNG or JPEG image"))
        {
            var pixels = (long)codec.Info.Width * codec.Info.Height;
            if (pixels * 4 > Inputs.InputLimits.DatasetMemoryBytes)
                throw new InvalidDataException($"{path} declares {codec.Info.Width}x{codec.Info.Height} pixels, more than a dataset may take in memory");
        }
        return SKBitmap.Decode(path) ?? throw new InvalidDataException($"{path} is not a readable PNG or JPEG image");
    }
}
