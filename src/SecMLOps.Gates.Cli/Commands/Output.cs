using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Reporting;

namespace SecMLOps.Gates.Cli.Commands;

/// <summary>Where a command's text goes: standard output, or a file written whole (never onto a folder).</summary>
internal static class Output
{
    public static int Write(string? file, string text, TextWriter output, TextWriter error)
    {
        if (file is null)
        {
            output.Write(text);
            return ExitCodes.Passed;
        }
        if (Directory.Exists(file))
        {
            error.WriteLine($"secmlops-gate: {file} is a folder; name a file");
            return ExitCodes.InputError;
        }
        AtomicFile.WriteAllText(file, text);
        return ExitCodes.Passed;
    }
}
