using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Robustness.Models.TorchScript;

/// <summary>
/// Reads a TorchScript archive (torch.jit.save) before libtorch opens it, because loading one runs
/// its code: the pickles' globals reach native constructors and class state-setters, and the code
/// is compiled and run by the forward pass. The zip's entries must be the members such an archive
/// has, under one folder, without traversal, duplicates or oversized contents; every pickle and every
/// code file is checked against an allow-list (<see cref="PickleScanner"/>, <see cref="TorchScriptCodeScanner"/>).
/// Anything else is refused naming the member and what it holds.
/// </summary>
public static partial class TorchScriptArchiveScanner
{
    /// <summary>What one pickle, and all code files together, may hold: the code is kept for the pickles' class checks, each pickle only while it is read.</summary>
    private const long MemberBytes = 64L * 1024 * 1024;
    private const int MaxEntries = 100_000;

    public static void Scan(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        if (zip.Entries.Count is 0 or > MaxEntries)
            throw new ModelContentRefusedException(Path.GetFileName(path), $"an archive of {zip.Entries.Count} entries is no TorchScript model");
        var prefix = zip.Entries[0].FullName.Split('/')[0];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var code = new List<(string Member, string Module, string Source)>();
        var pickles = new List<(string Member, ZipArchiveEntry Entry)>();
        var codeBytes = 0L;
        foreach (var entry in zip.Entries)
        {
            var name = entry.FullName;
            if (!seen.Add(name))
                throw new ModelContentRefusedException(name, "the archive holds this member twice");
            if (name.Contains('\\') || name.Contains('\0') || name.StartsWith('/') || name.Split('/').Any(p => p is "." or ".."))
                throw new ModelContentRefusedException(name, "a member path that could leave the archive's folder");
            if (!name.StartsWith(prefix + "/", StringComparison.Ordinal))
                throw new ModelContentRefusedException(name, $"a member outside the archive's folder {prefix}/");
            var member = name[(prefix.Length + 1)..];
            if (member.EndsWith('/'))
                continue;
            switch (MemberKind(member))
            {
                case Kind.Pickle:
                    pickles.Add((member, entry));
                    break;
                case Kind.Code:
                    codeBytes += entry.Length;
                    if (codeBytes > MemberBytes)
                        throw new ModelContentRefusedException(member, $"the archive's code passes {MemberBytes} bytes");
                    var module = member["code/".Length..^".py".Length].Replace('/', '.');
                    code.Add((member, module, Decode(member, Read(entry, member))));
                    break;
                case Kind.Data:
                    if (entry.Length > InputLimits.ModelBytes)
                        throw new ModelContentRefusedException(member, $"a tensor of {entry.Length} bytes, over the model limit of {InputLimits.ModelBytes}");
                    break;
                default:
                    throw new ModelContentRefusedException(member, "not a member a TorchScript archive has (data.pkl, constants.pkl, data/, constants/, code/, extra/, version)");
            }
        }
        if (!pickles.Any(p => p.Member == "data.pkl") || code.Count == 0)
            throw new ModelContentRefusedException(Path.GetFileName(path), "not a TorchScript archive: no data.pkl or no code/");
        var definitions = TorchScriptCodeScanner.Define(code);
        foreach (var (member, _, source) in code)
            TorchScriptCodeScanner.Scan(member, source, definitions);
        foreach (var (member, entry) in pickles)
            PickleScanner.Scan(member, Read(entry, member), definitions.Classes);
    }

    private enum Kind { Other, Pickle, Code, Data }

    private static Kind MemberKind(string member) =>
        member is "data.pkl" or "constants.pkl" || DebugPickle().IsMatch(member) ? Kind.Pickle
        : CodeFile().IsMatch(member) ? Kind.Code
        : Storage().IsMatch(member) || member is "version" or "byteorder" || member.StartsWith(".data/", StringComparison.Ordinal) || member.StartsWith("extra/", StringComparison.Ordinal) ? Kind.Data
        : Kind.Other;

    private static byte[] Read(ZipArchiveEntry entry, string member)
    {
        if (entry.Length > MemberBytes)
            throw new ModelContentRefusedException(member, $"{entry.Length} bytes, over the {MemberBytes} a code file or pickle may have");
        try
        {
            using var stream = InputFiles.OpenEntry(entry, member, MemberBytes);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new ModelContentRefusedException(member, e.Message);
        }
    }

    private static string Decode(string member, byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ModelContentRefusedException(member, "code that is not valid UTF-8");
        }
    }

    [GeneratedRegex(@"^code/(__torch__)(/[A-Za-z_][A-Za-z0-9_]*)*\.py$")]
    private static partial Regex CodeFile();

    [GeneratedRegex(@"^code/.+\.py\.debug_pkl$")]
    private static partial Regex DebugPickle();

    [GeneratedRegex(@"^(data|constants)/[0-9]+$")]
    private static partial Regex Storage();
}
