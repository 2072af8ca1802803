namespace SecMLOps.Gates.Inputs;

/// <summary>Writes a whole file or nothing: a reader never sees half a report.</summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string contents) => Write(path, temporary => File.WriteAllText(temporary, contents));

    /// <summary>Lets <paramref name="writeTemporary"/> write a temporary file beside <paramref name="path"/>, then moves it into place.</summary>
    public static void Write(string path, Action<string> writeTemporary)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new IOException($"{path} is a folder");
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = TemporaryBeside(full);
        try
        {
            writeTemporary(temporary);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>A hidden file name in the target's folder (so the final move is a rename on one file system).</summary>
    public static string TemporaryBeside(string fullPath) =>
        Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
}
