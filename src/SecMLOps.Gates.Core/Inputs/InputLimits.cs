namespace SecMLOps.Gates.Inputs;

/// <summary>The size limits every reader shares, in one place: a file past its limit is refused before it is parsed.</summary>
public static class InputLimits
{
    /// <summary>Policies, threat models, bundles, trusted roots, keys, envelopes.</summary>
    public const long DocumentBytes = 4L * 1024 * 1024;

    /// <summary>Models (ONNX protobuf cannot exceed 2 GiB anyway).</summary>
    public const long ModelBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>A dataset file, after decompression: a small gzip file cannot expand without bound.</summary>
    public const long DatasetBytes = 16L * 1024 * 1024 * 1024;

    /// <summary>One line of a CSV dataset, in characters: a file of one endless line is refused as it is read, not held.</summary>
    public const int CsvLineChars = 16 * 1024 * 1024;

    /// <summary>The variable that sets <see cref="DatasetMemoryBytes"/>, in bytes.</summary>
    public const string DatasetMemoryVariable = "SECMLOPS_MAX_DATASET_MEMORY";

    /// <summary>
    /// Every environment variable the tool reads: a verdict depends on them besides its inputs. Others
    /// that share the prefix (the action's SECMLOPS_GATE, which only says where the tool is) do not.
    /// </summary>
    public static IReadOnlyList<string> Variables { get; } = [DatasetMemoryVariable];

    /// <summary>
    /// The memory one dataset's values may take as 32-bit floats (default 1 GiB). A reader whose header
    /// declares more is refused before anything is read, and a dataset that turns out larger as it is
    /// streamed (CSV) is refused when it passes the limit, so a forged header or an oversized file costs
    /// no more than this.
    /// </summary>
    public static long DatasetMemoryBytes { get; } =
        long.TryParse(Environment.GetEnvironmentVariable(DatasetMemoryVariable), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bytes) && bytes > 0
            ? bytes
            : 1L << 30;
}
