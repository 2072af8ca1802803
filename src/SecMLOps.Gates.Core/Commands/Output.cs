using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Commands;

/// <summary>Where a command's text goes: standard output, or a file written whole, and only where its <see cref="OutputCheck"/> allows.</summary>
public static class Output
{
    public static int Write(string? file, string text, TextWriter output, TextWriter error, OutputCheck check)
    {
        if (file is null)
        {
            output.Write(text);
            return ExitCodes.Passed;
        }
        if (Refusal(file, check) is { } refusal)
        {
            error.WriteLine(refusal);
            return ExitCodes.InputError;
        }
        AtomicFile.WriteAllText(file, text);
        return ExitCodes.Passed;
    }

    /// <summary>Why the file may not be written, as the command prints it; null when it may.</summary>
    public static string? Refusal(string file, OutputCheck check) =>
        check.Problem(Path.GetFullPath(file)) is { } problem ? $"secmlops-gate: {file} {problem}; nothing was written" : null;

    /// <summary>
    /// The check for files teams commit (schemas, rule pages, matrices, statements, signatures): the
    /// command's inputs, .git and folders are refused; tracked files are not, since regenerating them is the point.
    /// </summary>
    public static OutputCheck ForCommittedFile(string file, IEnumerable<string> inputs) =>
        new(RepositoryRoot.Discover(Path.GetDirectoryName(Path.GetFullPath(file))!), inputs.Select(Path.GetFullPath), trackedFilesAllowed: true);
}
