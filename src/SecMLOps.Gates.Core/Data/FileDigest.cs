using System.Security.Cryptography;

namespace SecMLOps.Gates.Data;

public static class FileDigest
{
    /// <summary>The lower-case hex sha256 of a file, read as a stream.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
