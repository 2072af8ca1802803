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

    /// <summary>
    /// Up to <paramref name="count"/> boxes a careless or poisoned annotation could put on <paramref name="pedestrian"/>:
    /// scaled, widened or narrowed about a random point of it (its head, its feet, a side, its centre), or moved
    /// sideways, each kept only where its IoU with the pedestrian and with every other annotated box is below 0.5,
    /// the overlap at which the evaluation protocol stops counting a box as a pedestrian's: what such an
    /// annotation says is no pedestrian's box.
    /// </summary>
    public static IEnumerable<AnnotatedBox> Misplaced(long imageWidth, long imageHeight, AnnotatedBox pedestrian, IReadOnlyList<AnnotatedBox> annotated, int count, Random random)
    {
        var found = 0;
        for (var attempt = 0; attempt < count * 20 && found < count; attempt++)
        {
            var (left, top, width, height) = (pedestrian.X, pedestrian.Y, pedestrian.Width, pedestrian.Height);
            var (anchorX, anchorY) = (random.NextDouble(), random.NextDouble());
            var (scaleX, scaleY) = random.Next(3) switch
            {
                0 => random.Next(2) == 0 ? Twice(Between(random, 0.4, 0.7)) : Twice(Between(random, 1.4, 2.0)),
                1 => (random.Next(2) == 0 ? Between(random, 0.3, 0.5) : Between(random, 2.0, 3.0), 1.0),
                _ => (1.0, 1.0),
            };
            left += anchorX * width * (1 - scaleX);
            top += anchorY * height * (1 - scaleY);
            (width, height) = (Math.Min(width * scaleX, imageWidth), Math.Min(height * scaleY, imageHeight));
            if (scaleX == 1 && scaleY == 1)
            {
                left += (random.Next(2) == 0 ? -1 : 1) * Between(random, 0.4, 1.0) * width;
                top += Between(random, -0.2, 0.2) * height;
            }
            var box = new AnnotatedBox(Math.Clamp(left, 0, imageWidth - width), Math.Clamp(top, 0, imageHeight - height), width, height, 1, false);
            if (annotated.Any(a => IntersectionOverUnion(box, a) >= 0.5))
                continue;
            found++;
            yield return box;
        }
    }

    private static (double, double) Twice(double value) => (value, value);

    private static double Between(Random random, double low, double high) => low + random.NextDouble() * (high - low);

    private static double IntersectionOverUnion(AnnotatedBox a, AnnotatedBox b)
    {
        var intersection = Intersection(a, b);
        return intersection / (a.Width * a.Height + b.Width * b.Height - intersection);
    }

    private static double Intersection(AnnotatedBox a, AnnotatedBox b) =>
        Math.Max(0, Math.Min(a.X + a.Width, b.X + b.Width) - Math.Max(a.X, b.X)) * Math.Max(0, Math.Min(a.Y + a.Height, b.Y + b.Height) - Math.Max(a.Y, b.Y));
}
