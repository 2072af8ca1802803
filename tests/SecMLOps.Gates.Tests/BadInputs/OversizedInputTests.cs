using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Tests.Support;
using Xunit.Abstractions;

namespace SecMLOps.Gates.Tests.BadInputs;

/// <summary>
/// Inputs whose size is a lie or past any use, each run through the real CLI under GNU time: the
/// command ends with an input error that says why (exit 2) and its peak memory stays under 1 GB,
/// because sizes are judged from headers and file lengths before anything is allocated.
/// </summary>
[Trait("Layer", "slow")]
public sealed class OversizedInputTests(ITestOutputHelper output)
{
    private const string Time = "/usr/bin/time";
    private const long OneGigabyteInKilobytes = 1_000_000;

    private const string Evaluation = "    evaluation:\n      path: data/eval.csv\n      format: csv";

    [ProgramFact(Time)]
    public void A_csv_of_one_endless_line_is_refused_as_it_is_read()
    {
        using var repository = CorpusBase.Create();
        using (var file = new FileStream(repository.FullPath("data/eval.csv"), FileMode.Append))
            file.SetLength(file.Length + (2L << 30));
        Expect(repository, "is longer than");
    }

    [ProgramFact(Time)]
    public void An_idx_header_claiming_a_billion_rows_behind_a_gzip_bomb_is_refused_before_reading()
    {
        using var repository = CorpusBase.Create();
        using (var gzip = new GZipStream(File.Create(repository.FullPath("data/bomb-images.idx.gz")), CompressionLevel.Fastest))
        {
            gzip.Write(IdxHeader(0x0D, 1_000_000_000, CorpusBase.Features));
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 256; i++) gzip.Write(zeros);
        }
        File.WriteAllBytes(repository.FullPath("data/bomb-labels.idx"), IdxHeader(0x08, 1_000_000_000));
        Replace(repository, Evaluation, "    evaluation:\n      path: data/bomb-images.idx.gz\n      labels: data/bomb-labels.idx\n      format: idx");
        Expect(repository, "declares 1000000000 samples");
    }

    [ProgramFact(Time)]
    public void An_idx_sample_whose_dimensions_overflow_is_refused()
    {
        using var repository = CorpusBase.Create();
        File.WriteAllBytes(repository.FullPath("data/wide-images.idx"), IdxHeader(0x08, 10, 65536, 65536));
        File.WriteAllBytes(repository.FullPath("data/wide-labels.idx"), IdxHeader(0x08, 10));
        Replace(repository, Evaluation, "    evaluation:\n      path: data/wide-images.idx\n      labels: data/wide-labels.idx\n      format: idx");
        Expect(repository, "more values than any array holds");
    }

    [ProgramFact(Time)]
    public void A_two_gibibyte_npy_array_is_refused_from_its_header()
    {
        using var repository = CorpusBase.Create();
        const int rows = 1 << 27;
        Npy(repository.FullPath("data/big-x.npy"), "<f4", $"({rows}, {CorpusBase.Features})", (long)rows * CorpusBase.Features * 4);
        Npy(repository.FullPath("data/big-y.npy"), "<i8", $"({rows},)", (long)rows * 8);
        Replace(repository, Evaluation, "    evaluation:\n      path: data/big-x.npy\n      labels: data/big-y.npy\n      format: npy");
        Expect(repository, $"declares {rows} samples");
    }

    [ProgramFact(Time)]
    public void A_csv_that_grows_past_the_memory_limit_is_stopped_where_it_passes_it()
    {
        using var repository = CorpusBase.Create();
        Expect(repository, "holds more than 250 values", new Dictionary<string, string> { [InputLimits.DatasetMemoryVariable] = "1000" });
    }

    private void Expect(ScratchGitRepository repository, string message, IDictionary<string, string>? environment = null)
    {
        var peak = Path.Combine(repository.Path, ".peak-kb");
        var run = ProcessRunner.Run(Time, ["-f", "%M", "-o", peak, "dotnet", RepositoryLayout.CliDll, "evaluate", "policy.yaml", "--as-of", "2026-11-22"],
            repository.Path, environment, timeoutSeconds: 300);
        var kilobytes = long.Parse(File.ReadAllText(peak).Trim().Split('\n')[^1], System.Globalization.CultureInfo.InvariantCulture);
        output.WriteLine($"exit {run.ExitCode}, peak {kilobytes / 1024} MiB\n{run.All}");
        Assert.True(run.ExitCode == 2, run.All);
        Assert.Contains("error SMG0009", run.All);
        Assert.Contains(message, run.All);
        Assert.True(kilobytes < OneGigabyteInKilobytes, $"peak resident memory {kilobytes / 1024} MiB");
    }

    private static void Replace(ScratchGitRepository repository, string old, string replacement)
    {
        var policy = File.ReadAllText(repository.FullPath("policy.yaml"));
        Assert.Contains(old, policy);
        File.WriteAllText(repository.FullPath("policy.yaml"), policy.Replace(old, replacement));
    }

    private static byte[] IdxHeader(byte type, params int[] dimensions)
    {
        var header = new byte[4 + 4 * dimensions.Length];
        (header[2], header[3]) = (type, (byte)dimensions.Length);
        for (var i = 0; i < dimensions.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dimensions[i]);
        return header;
    }

    /// <summary>A .npy file whose data is a hole of the given size: as large as claimed on disk, costing nothing to make.</summary>
    private static void Npy(string path, string descr, string shape, long dataBytes)
    {
        var text = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        text = text.PadRight(((10 + text.Length + 1 + 63) / 64 * 64) - 10 - 1) + "\n";
        using var file = File.Create(path);
        file.Write([0x93, .. "NUMPY"u8, 1, 0]);
        file.Write(BitConverter.GetBytes((ushort)text.Length));
        file.Write(Encoding.ASCII.GetBytes(text));
        file.SetLength(file.Length + dataBytes);
    }
}
