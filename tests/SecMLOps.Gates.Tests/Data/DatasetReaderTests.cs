using System.IO.Compression;
using System.Text;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Tests.Support;
using SkiaSharp;

namespace SecMLOps.Gates.Tests.Data;

public sealed class DatasetReaderTests
{
    private static LabeledBatch Single(IDatasetReader reader) => Assert.Single(reader.ReadBatches(100));

    [Fact]
    public void An_image_folder_reads_one_class_a_subfolder_in_hwc_order()
    {
        using var repo = new ScratchRepository();
        foreach (var (folder, color) in new[] { ("b-dog", new SKColor(10, 20, 30)), ("a-cat", new SKColor(200, 100, 50)) })
        {
            Directory.CreateDirectory(repo.Full($"images/{folder}"));
            using var bitmap = new SKBitmap(2, 2);
            bitmap.Erase(color);
            using var file = File.Create(repo.Full($"images/{folder}/1.png"));
            bitmap.Encode(file, SKEncodedImageFormat.Png, 100);
        }
        var rgb = Single(new ImageFolderDatasetReader(repo.Full("images"), 3));
        Assert.Equal([0, 1], rgb.Labels);
        Assert.Equal(12, rgb.FeatureCount);
        Assert.Equal([200f, 100f, 50f, 200f], rgb.Row(0)[..4].ToArray());
        Assert.Equal([10f, 20f, 30f], rgb.Row(1)[..3].ToArray());
        var gray = Single(new ImageFolderDatasetReader(repo.Full("images"), 1));
        Assert.Equal(MathF.Round(0.299f * 200 + 0.587f * 100 + 0.114f * 50), gray.Row(0)[0]);
    }

    [Fact]
    public void Npy_and_npz_arrays_read_as_features_and_labels()
    {
        using var repo = new ScratchRepository();
        var features = Npy("<f4", "(2, 3)", [.. BitConverter.GetBytes(1f), .. BitConverter.GetBytes(2f), .. BitConverter.GetBytes(3f), .. BitConverter.GetBytes(4f), .. BitConverter.GetBytes(5f), .. BitConverter.GetBytes(6f)]);
        var labels = Npy("<i8", "(2,)", [.. BitConverter.GetBytes(7L), .. BitConverter.GetBytes(1L)]);
        File.WriteAllBytes(repo.Full("x.npy"), features);
        File.WriteAllBytes(repo.Full("y.npy"), labels);
        using (var zip = ZipFile.Open(repo.Full("data.npz"), ZipArchiveMode.Create))
        {
            using (var entry = zip.CreateEntry("x.npy").Open()) entry.Write(features);
            using (var entry = zip.CreateEntry("y.npy").Open()) entry.Write(labels);
        }
        foreach (var reader in new IDatasetReader[] { NpyDatasetReader.FromFiles(repo.Full("x.npy"), repo.Full("y.npy")), NpyDatasetReader.FromArchive(repo.Full("data.npz"), "x", "y") })
        {
            var batch = Single(reader);
            Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], batch.Features);
            Assert.Equal([7, 1], batch.Labels);
        }
    }

    [Fact]
    public void Csv_takes_the_label_column_and_skips_a_header()
    {
        using var repo = new ScratchRepository();
        repo.Write("d.csv", "label,a,b\n3,0.5,1\n1,2,2.5\n");
        var batch = Single(new CsvDatasetReader(repo.Full("d.csv"), 0));
        Assert.Equal([3, 1], batch.Labels);
        Assert.Equal([0.5f, 1f, 2f, 2.5f], batch.Features);
    }

    [Theory]
    [InlineData("1,2,0\n1,,1\n", 2, 2)]
    [InlineData("1,2,0\n1,NA,1\n", 2, 2)]
    [InlineData("1,2,0\n1,2,NaN\n", 2, 3)]
    [InlineData("a,b,label\n1,?,0\n", 2, 2)]
    // A first row with a missing cell still holds numbers: it is data, never a header silently skipped.
    [InlineData(",2,0\n1,2,1\n", 1, 1)]
    public void A_missing_csv_value_is_refused_at_its_line_and_column(string text, int line, int column)
    {
        using var repo = new ScratchRepository();
        repo.Write("d.csv", text);
        var error = Assert.Throws<InvalidDataException>(() => new CsvDatasetReader(repo.Full("d.csv"), -1).ReadBatches(10).ToList());
        Assert.Contains($"line {line}, column {column}: a missing value", error.Message);
    }

    [Fact]
    public void Csv_categorical_columns_are_counted_as_the_label_column_is_and_may_not_be_the_label()
    {
        using var repo = new ScratchRepository();
        repo.Write("d.csv", "a,kind,label,b\n1,3,0,2\n");
        Assert.Equal([0, 2], new CsvDatasetReader(repo.Full("d.csv"), 2, [-1, 0]).CategoricalFeatures);
        var error = Assert.Throws<InvalidDataException>(() => new CsvDatasetReader(repo.Full("d.csv"), 2, [2]));
        Assert.Contains("categorical column 2 is the label", error.Message);
        Assert.Throws<InvalidDataException>(() => new CsvDatasetReader(repo.Full("d.csv"), 2, [4]));
    }

    [Fact]
    public void A_csv_id_column_names_the_rows_and_is_no_feature()
    {
        using var repo = new ScratchRepository();
        repo.Write("d.csv", "id,a,kind,label\ntx-7,1.5,3,0\n\"q\",2.5,4,1\n");
        var reader = new CsvDatasetReader(repo.Full("d.csv"), -1, [2], idColumn: 0);
        var batch = Single(reader);
        Assert.Equal(2, batch.FeatureCount);
        Assert.Equal([1.5f, 3f], batch.Row(0).ToArray());
        Assert.Equal(["tx-7", "\"q\""], batch.RowIds!);
        Assert.Equal([1], reader.CategoricalFeatures);
        Assert.Contains("id column -1 is the label", Assert.Throws<InvalidDataException>(() => new CsvDatasetReader(repo.Full("d.csv"), -1, idColumn: -1)).Message);
        Assert.Contains("categorical column 0 is the id column", Assert.Throws<InvalidDataException>(() => new CsvDatasetReader(repo.Full("d.csv"), -1, [0], idColumn: 0)).Message);
        repo.Write("plain.csv", "a,label\n1,0\n");
        Assert.Null(Single(new CsvDatasetReader(repo.Full("plain.csv"), -1)).RowIds);
    }

    [Fact]
    public void A_malformed_csv_row_names_its_line()
    {
        using var repo = new ScratchRepository();
        repo.Write("d.csv", "1,2,0\n1,x,1\n");
        var error = Assert.Throws<InvalidDataException>(() => new CsvDatasetReader(repo.Full("d.csv"), -1).ReadBatches(10).ToList());
        Assert.Contains("line 2", error.Message);
    }

    private static byte[] Npy(string descr, string shape, byte[] data)
    {
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        header = header.PadRight(118) + "\n";
        return [0x93, .. "NUMPY"u8.ToArray(), 1, 0, (byte)header.Length, 0, .. Encoding.ASCII.GetBytes(header), .. data];
    }
}
