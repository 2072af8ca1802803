using System.Diagnostics;
using SecMLOps.Gates.Robustness.Models;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>
/// A process started the way model-running rules are (<see cref="ModelConfinement.StartProcess"/>),
/// standing in for a model that got past the scanner: it may write its scratch folder and read what
/// it was given, and nothing else; it cannot start another program.
/// </summary>
public sealed class ConfinedProcessTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("secmlops-confined-process-").FullName;

    private string Full(string name) => Path.Combine(_folder, name);

    [LandlockFact]
    public void It_writes_only_its_scratch_folder_reads_only_what_it_was_given_and_starts_no_program()
    {
        Directory.CreateDirectory(Full("scratch"));
        Directory.CreateDirectory(Full("given"));
        File.WriteAllText(Full("given/input.txt"), "declared input\n");
        File.WriteAllText(Full("secret.txt"), "a token the job holds\n");
        // Shell built-ins only: each line reports whether the step worked.
        var script = $"""
            (echo forged > {Full("outside.txt")}) 2>/dev/null && echo wrote-outside || echo refused-write-outside
            (echo result > {Full("scratch/result.txt")}) 2>/dev/null && echo wrote-scratch || echo refused-write-scratch
            (read line < {Full("given/input.txt")} && echo "read-given:$line") 2>/dev/null || echo refused-read-given
            (read line < {Full("secret.txt")} && echo "read-secret:$line") 2>/dev/null || echo refused-read-secret
            (/usr/bin/env true) 2>/dev/null && echo started-program || echo refused-program
            """;
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);

        using var process = ModelConfinement.StartProcess(start, ["/usr", "/lib", "/lib64", "/etc", Full("given")], Full("scratch"), "/bin/sh");
        var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();

        Assert.Equal(["refused-write-outside", "wrote-scratch", "read-given:declared input", "refused-read-secret", "refused-program"], lines);
        Assert.False(File.Exists(Full("outside.txt")));
        Assert.Equal("result\n", File.ReadAllText(Full("scratch/result.txt")));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
