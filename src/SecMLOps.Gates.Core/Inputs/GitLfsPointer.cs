using System.Text;
using System.Text.RegularExpressions;

namespace SecMLOps.Gates.Inputs;

/// <summary>
/// A checkout without Git LFS leaves a small text file where a model or dataset kept in LFS should be
/// (the usual cause: actions/checkout without `lfs: true`). Read as a model it would only fail to
/// parse; named for what it is, the fix is one line.
/// </summary>
public static partial class GitLfsPointer
{
    /// <summary>Pointer files are about 130 bytes; the specification bounds them at 1024.</summary>
    private const int MaximumLength = 1024;

    [GeneratedRegex(@"\Aversion https://git-lfs\.github\.com/spec/v\d+\n(?:[a-z0-9.-]+ [^\n]*\n)*\z")]
    private static partial Regex Pointer();

    [GeneratedRegex(@"^size (?<size>\d+)$", RegexOptions.Multiline)]
    private static partial Regex Size();

    /// <summary>What is wrong with the file, when it is a Git LFS pointer; null otherwise (or when it cannot be read).</summary>
    public static string? Problem(string fullPath)
    {
        try
        {
            var file = new FileInfo(fullPath);
            if (!file.Exists || file.Length > MaximumLength)
                return null;
            var text = Encoding.UTF8.GetString(File.ReadAllBytes(fullPath));
            if (!Pointer().IsMatch(text))
                return null;
            var size = Size().Match(text) is { Success: true } match ? $" for a file of {match.Groups["size"].Value} bytes" : "";
            return $"is a Git LFS pointer{size}, not the file itself: fetch it with `git lfs pull` (in GitHub Actions, check out with `lfs: true`)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
