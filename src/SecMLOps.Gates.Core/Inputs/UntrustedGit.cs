using System.Diagnostics;

namespace SecMLOps.Gates.Inputs;

/// <summary>
/// Runs git in a repository whose configuration the gate does not trust: on a pull-request runner
/// .git/config is whatever the checkout brought. Every setting through which a repository makes
/// git start a program (a file-system monitor, hooks, a pager, an external diff, credential
/// helpers, transports for a lazy fetch) is overridden on the command line, which wins over every
/// configuration file; nothing is written to the index.
/// </summary>
public static class UntrustedGit
{
    private static readonly string[] Overrides =
    [
        "core.fsmonitor=false",
        "core.hooksPath=/dev/null",
        "core.pager=cat",
        "core.askPass=",
        "credential.helper=",
        "diff.external=",
        "core.alternateRefsCommand=",
        "protocol.allow=never",
    ];

    /// <summary>git's standard output, or the reason it gave none (git missing, or a non-zero exit with its message).</summary>
    public static (string? Output, string? Failure) Run(string repository, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("--no-pager");
        foreach (var setting in Overrides)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(setting);
        }
        start.ArgumentList.Add("-C");
        start.ArgumentList.Add(repository);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["GIT_OPTIONAL_LOCKS"] = "0";
        try
        {
            using var process = Process.Start(start) ?? throw new System.ComponentModel.Win32Exception("git could not be started");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? (output.Result, null)
                : (null, error.Trim().Length > 0 ? error.Trim().ReplaceLineEndings(" ") : $"git exited with code {process.ExitCode}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (null, $"git cannot be run ({e.Message})");
        }
    }
}
