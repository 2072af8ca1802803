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
}
