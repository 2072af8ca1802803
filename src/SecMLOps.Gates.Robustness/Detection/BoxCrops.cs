using static TorchSharp.torch;

namespace SecMLOps.Gates.Robustness.Detection;

/// <summary>Boxes cut out of an image and resized to one size, and background boxes of pedestrian sizes that overlap no annotated box.</summary>
internal static class BoxCrops
{
    public const int Height = 32;
    public const int Width = 16;

    /// <summary>Values in one crop (RGB).</summary>
    public const int Values = 3 * Height * Width;

    /// <summary>The box's pixels of an image [3, H, W] (clipped to the image), resized bilinearly to [3, 32, 16].</summary>
    public static Tensor Crop(Tensor image, AnnotatedBox box)
    {
        var (rows, columns) = (image.shape[1], image.shape[2]);
        var left = Math.Clamp((long)Math.Floor(box.X), 0, columns - 1);
        var top = Math.Clamp((long)Math.Floor(box.Y), 0, rows - 1);
        var right = Math.Clamp((long)Math.Ceiling(box.X + box.Width), left + 1, columns);
        var bottom = Math.Clamp((long)Math.Ceiling(box.Y + box.Height), top + 1, rows);
        var patch = image.narrow(1, top, bottom - top).narrow(2, left, right - left).unsqueeze(0);
        return nn.functional.interpolate(patch, [Height, Width], mode: InterpolationMode.Bilinear, align_corners: false).squeeze(0);
    }

    /// <summary>
    /// Up to <paramref name="count"/> boxes of the image, each as tall as a pedestrian drawn from <paramref name="heights"/>
    /// and 0.41 as wide, whose area overlaps no annotated box (ignored ones included) by more than a fifth.
    /// </summary>
    public static IEnumerable<AnnotatedBox> Background(long imageWidth, long imageHeight, IReadOnlyList<AnnotatedBox> annotated, double[] heights, int count, Random random)
    {
        var found = 0;
        for (var attempt = 0; attempt < count * 20 && found < count; attempt++)
        {
            var height = Math.Min(heights[random.Next(heights.Length)], imageHeight);
            var width = Math.Min(0.41 * height, imageWidth);
            var box = new AnnotatedBox(random.NextDouble() * (imageWidth - width), random.NextDouble() * (imageHeight - height), width, height, 1, false);
            if (annotated.Any(a => Intersection(box, a) > 0.2 * width * height))
                continue;
            found++;
            yield return box;
        }
    }

    private static double Intersection(AnnotatedBox a, AnnotatedBox b) =>
        Math.Max(0, Math.Min(a.X + a.Width, b.X + b.Width) - Math.Max(a.X, b.X)) * Math.Max(0, Math.Min(a.Y + a.Height, b.Y + b.Height) - Math.Max(a.Y, b.Y));
}
