using SecMLOps.Gates.Reporting;

namespace SecMLOps.Gates.Engine;

/// <summary>
/// The files rules write (plots, quarantine files) during one evaluation, each first written whole
/// beside its target. They are moved into place only when the evaluation reached a verdict (pass or
/// violation); after an input error or a crash nothing is left behind, so no output is ever half
/// an evaluation's.
/// </summary>
public sealed class StagedOutputs
{
    private readonly List<(string Temporary, string Target)> _staged = [];

    public void Stage(string target, Action<string> writeTemporary)
    {
        var full = Path.GetFullPath(target);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = AtomicFile.TemporaryBeside(full);
        try
        {
            writeTemporary(temporary);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        lock (_staged) _staged.Add((temporary, full));
    }

    /// <summary>Moves every staged file into place; returns their full paths.</summary>
    public IReadOnlyList<string> Commit()
    {
        foreach (var (temporary, target) in _staged)
            File.Move(temporary, target, overwrite: true);
        var written = _staged.Select(s => s.Target).ToList();
        _staged.Clear();
        return written;
    }

    public void Discard()
    {
        foreach (var (temporary, _) in _staged)
            File.Delete(temporary);
        _staged.Clear();
    }
}
