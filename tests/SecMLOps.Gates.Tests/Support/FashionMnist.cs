namespace SecMLOps.Gates.Tests.Support;

/// <summary>
/// Fashion-MNIST as Debian ships it (dataset-fashion-mnist, MIT), the data a new user would try the
/// poisoning gate on. tests/run-tests.sh installs it; tests that need it are skipped with the reason
/// where it is absent, except under CI=true, where they fail.
/// </summary>
internal static class FashionMnist
{
    public const string Folder = "/usr/share/datasets/fashion-mnist";

    public static string? MissingReason =>
        File.Exists(Path.Combine(Folder, "train-images-idx3-ubyte.gz")) || Environment.GetEnvironmentVariable("CI") == "true" ? null
        : $"Fashion-MNIST is not at {Folder} (apt-get install dataset-fashion-mnist; tests/run-tests.sh does it)";

    /// <summary>Disjoint training and golden rows drawn from the official training split by a seeded permutation.</summary>
    public static (byte[] Images, byte[] Labels, byte[] GoldenImages, byte[] GoldenLabels) Draw(int trainingRows, int goldenRows, int seed)
    {
        var images = IdxFiles.ReadImages(Path.Combine(Folder, "train-images-idx3-ubyte.gz"));
        var labels = IdxFiles.ReadLabels(Path.Combine(Folder, "train-labels-idx1-ubyte.gz"));
        var order = Enumerable.Range(0, labels.Length).ToArray();
        new Random(seed).Shuffle(order);
        byte[] Pixels(IEnumerable<int> rows) => rows.SelectMany(r => images.AsSpan(r * 784, 784).ToArray()).ToArray();
        var golden = order[..goldenRows];
        var training = order[goldenRows..(goldenRows + trainingRows)];
        return (Pixels(training), training.Select(r => labels[r]).ToArray(), Pixels(golden), golden.Select(r => labels[r]).ToArray());
    }
}

/// <summary>A test on Fashion-MNIST; skipped like fixture tests when the dataset is not installed.</summary>
public sealed class FashionMnistFactAttribute : FactAttribute
{
    public FashionMnistFactAttribute()
    {
        if (FashionMnist.MissingReason is { } reason) Skip = reason;
    }
}
