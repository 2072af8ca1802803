using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Robustness.Models;

namespace SecMLOps.Gates.Cli.Worker;

/// <summary>
/// Runs a rule whose gate runs model code in a child secmlops-gate (<see cref="WorkerCommand"/>),
/// started confined (<see cref="ModelConfinement.StartProcess"/>): the model shares no memory with
/// the gate that writes the reports and holds the job's files, and from its first instruction the
/// child may read only the repository, the tool, the .NET runtime and the system's libraries, write
/// only a scratch folder that this process reads back and deletes, start no other program, and open
/// no internet socket. What the rule produced, the files it would write included, comes back in
/// that folder as JSON; the child's output is shown as progress. A child that fails to answer is an
/// error of the rule.
/// </summary>
internal sealed class ConfinedRuleWorker(string host, IReadOnlyList<string> hostArguments) : IRuleWorker
{
    public const string ResultFile = "rule-run.json";

    /// <summary>A worker that starts this very program again; null where it cannot be started that way (off Linux, or inside another host).</summary>
    public static IRuleWorker? ForThisProcess()
    {
        if (!OperatingSystem.IsLinux() || Environment.ProcessPath is not { } host || Assembly.GetEntryAssembly()?.Location is not { Length: > 0 } entry
            || Path.GetFileNameWithoutExtension(entry) != "secmlops-gate")
            return null;
        // Run as `dotnet secmlops-gate.dll`, or as the tool's own launcher.
        return Path.GetFileNameWithoutExtension(host) == "dotnet" ? new ConfinedRuleWorker(host, [entry]) : new ConfinedRuleWorker(host, []);
    }

    public string Confinement => ModelConfinement.ProcessStatus;

    public RuleRun Run(RuleWorkerRequest request, TextWriter progress)
    {
        var scratch = Directory.CreateTempSubdirectory("secmlops-worker-");
        try
        {
            var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in hostArguments.Concat([
                         WorkerCommand.Name, request.PolicyPath, "--rule", request.RuleId, "--repo-root", request.Root.FullPath,
                         "--as-of", request.Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "--scratch", scratch.FullName, "--position", request.Position,
                         .. request.Shard is { } shard ? new[] { "--shard", shard.ToString() } : []]))
                start.ArgumentList.Add(argument);
            // The runtime's diagnostics channel would create a socket under /tmp, which the child may not.
            start.Environment["DOTNET_EnableDiagnostics"] = "0";
            var tail = new Queue<string>();
            using var process = ModelConfinement.StartProcess(start, Readable(request.Root, host), scratch.FullName, host);
            void Show(object sender, DataReceivedEventArgs line)
            {
                if (line.Data is null) return;
                lock (tail)
                {
                    progress.WriteLine(line.Data);
                    tail.Enqueue(line.Data);
                    if (tail.Count > 5) tail.Dequeue();
                }
            }
            process.OutputDataReceived += Show;
            process.ErrorDataReceived += Show;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            process.WaitForExit();
            var result = Path.Combine(scratch.FullName, ResultFile);
            if (process.ExitCode != 0 || !File.Exists(result))
                throw new InvalidOperationException($"it exited with code {process.ExitCode}{(tail.Count > 0 ? ": " + string.Join(" | ", tail) : "")}");
            return RuleRun.FromJson(File.ReadAllText(result));
        }
        finally
        {
            try { scratch.Delete(recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The repository, the tool's own folder, the .NET runtime and the system's libraries and settings.</summary>
    private static IEnumerable<string> Readable(RepositoryRoot root, string host)
    {
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!; // <dotnet>/shared/Microsoft.NETCore.App/<version>
        return [root.FullPath, AppContext.BaseDirectory, Path.GetFullPath(Path.Combine(runtime, "..", "..", "..")), Path.GetDirectoryName(host)!,
            "/usr", "/lib", "/lib64", "/etc", "/proc", "/sys"];
    }
}
