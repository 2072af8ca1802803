using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Engine;

/// <summary>
/// The files rules write (plots, quarantine files) during one evaluation, each first written whole
/// beside its target. They are moved into place only when the evaluation reached a verdict (pass or
/// violation); after an input error or a crash nothing is left behind, so no output is ever half
/// an evaluation's.
/// </summary>
/// <param name="scratch">Where temporaries go instead of beside their targets (a worker process, which
/// may write nowhere else, hands their bytes back); null beside the targets.</param>
public sealed class StagedOutputs(string? scratch = null)
{
    private readonly List<(string Temporary, string Target)> _staged = [];

    public void Stage(string target, Action<string> writeTemporary)
    {
        var full = Path.GetFullPath(target);
        string temporary;
        if (scratch is null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            temporary = AtomicFile.TemporaryBeside(full);
        }
        else
        {
            temporary = Path.Combine(scratch, Guid.NewGuid().ToString("N"));
        }
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

    /// <summary>How many files are staged so far.</summary>
    public int Count
    {
        get { lock (_staged) return _staged.Count; }
    }

    /// <summary>The files staged after the first <paramref name="count"/>: a rule's own outputs.</summary>
    public IReadOnlyList<(string Temporary, string Target)> Since(int count)
    {
        lock (_staged) return _staged.Skip(count).ToList();
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
