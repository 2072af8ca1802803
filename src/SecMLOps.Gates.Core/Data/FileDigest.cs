using System.Security.Cryptography;
using System.Text;

namespace SecMLOps.Gates.Data;

public static class FileDigest
{
    /// <summary>
    /// The lower-case hex sha256 of a file, read as a stream. For a folder (an image-folder dataset):
    /// the sha256 of its sorted listing, one line per file: relative path, a tab, the file's sha256.
    /// </summary>
    public static string Sha256(string path) => Sha256(path, Sha256);

    /// <summary>The same digest, each of a folder's files digested by <paramref name="fileDigest"/> (a cache of them).</summary>
    public static string Sha256(string path, Func<string, string> fileDigest)
    {
        if (!Directory.Exists(path))
        {
            if (SecMLOps.Gates.Inputs.SpecialFiles.NotRegular(path) is { } what)
                throw new IOException($"{Path.GetFileName(path)} is {what}, not a file");
            using var stream = File.OpenRead(path);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        var listing = new StringBuilder();
        foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                     .Select(f => Path.GetRelativePath(path, f).Replace(Path.DirectorySeparatorChar, '/'))
                     .Order(StringComparer.Ordinal))
            listing.Append(file).Append('\t').Append(fileDigest(Path.Combine(path, file))).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(listing.ToString())));
    }

    /// <summary>The digest (by <paramref name="digest"/>, a cache, when given), or null when the path is missing, unreadable or no regular file or folder.</summary>
    public static string? TryDigest(string path, Func<string, string>? digest = null)
    {
        try
        {
            return File.Exists(path) || Directory.Exists(path) ? (digest ?? Sha256)(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
