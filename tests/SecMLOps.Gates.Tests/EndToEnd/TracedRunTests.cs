using System.Text.RegularExpressions;
using SecMLOps.Gates.Tests.BadInputs;
using SecMLOps.Gates.Tests.Support;
using Xunit.Abstractions;

namespace SecMLOps.Gates.Tests.EndToEnd;

/// <summary>
/// The real CLI evaluating the corpus repository (an ONNX model through both executors, poisoning,
/// provenance, STRIDE) under strace: it contacts no host (no socket of an internet family, so no DNS
/// look-up either) and creates or changes files only where its outputs go and in the scratch folders
/// of the processes the model-running rules run in (which it starts, and removes when they are done).
/// </summary>
public sealed partial class TracedRunTests(ITestOutputHelper output)
{
    [GeneratedRegex(@"^(?<pid>\d+)\s+(?<call>\w+)\((?<args>.*)\)\s+=\s+(?<result>-?\d+)")]
    private static partial Regex SystemCall();

    [GeneratedRegex(@"AF_INET6?\b")]
    private static partial Regex InternetFamily();

    [GeneratedRegex(@"^/tmp/(clr-debug-pipe-\d+-\d+-(in|out)|dotnet-diagnostic-\d+-\d+-socket)$")]
    private static partial Regex RuntimeEndpoint();

    [GeneratedRegex(@"^/tmp/secmlops-worker-[A-Za-z0-9]+(/[^/]+)?$")]
    private static partial Regex WorkerScratch();

    [GeneratedRegex("\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex QuotedPath();

    [Trait("Layer", "slow")]
    [ProgramFact("strace")]
    public void An_onnx_evaluation_contacts_no_host_and_writes_only_its_outputs()
    {
        using var repository = CorpusBase.Create();
        var trace = Path.Combine(Path.GetTempPath(), $"secmlops-trace-{Guid.NewGuid():N}.log");
        try
        {
            var run = ProcessRunner.Run("strace",
                ["-f", "-qq", "-s", "256", "-o", trace, "-e", "trace=execve,socket,connect,sendto,sendmsg,bind,openat,open,creat,rename,renameat,renameat2,mkdir,mkdirat,unlink,unlinkat,truncate",
                 "dotnet", RepositoryLayout.CliDll, "evaluate", "policy.yaml", "--sarif", "reports/gate.sarif", "--json", "reports/gate.json", "--as-of", "2026-11-22"],
                repository.Path, timeoutSeconds: 600);
            output.WriteLine(run.All);
            Assert.True(run.ExitCode is 0 or 1, run.All);

            var network = new List<string>();
            var workers = new List<string>();
            var written = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var line in File.ReadLines(trace))
            {
                if (SystemCall().Match(line) is not { Success: true } call || call.Groups["result"].Value.StartsWith('-'))
                    continue;
                var (name, args) = (call.Groups["call"].Value, call.Groups["args"].Value);
                if (name is "socket" or "connect" or "sendto" or "sendmsg" or "bind" && InternetFamily().IsMatch(args))
                    network.Add(line);
                if (name == "execve" && args.Contains("\"run-rule-worker\""))
                    workers.Add(line);
                var writes = name switch
                {
                    "openat" or "open" => args.Contains("O_WRONLY") || args.Contains("O_RDWR") || args.Contains("O_CREAT"),
                    "creat" or "rename" or "renameat" or "renameat2" or "mkdir" or "mkdirat" or "unlink" or "unlinkat" or "truncate" => true,
                    _ => false,
                };
                if (writes)
                    foreach (Match path in QuotedPath().Matches(args))
                        written.Add(Path.GetFullPath(Regex.Unescape(path.Groups[1].Value), repository.Path));
            }
            output.WriteLine($"written or created: {string.Join(", ", written)}");
            Assert.True(network.Count == 0, $"network calls:\n{string.Join('\n', network)}");
            // The corpus policy's robustness and poisoning rules each run their model in a process of their own.
            Assert.True(workers.Count == 2, $"worker processes started: {workers.Count}\n{string.Join('\n', workers)}");
            var reports = Path.Combine(repository.Path, "reports") + Path.DirectorySeparatorChar;
            var outputs = Path.Combine(repository.Path, "outputs") + Path.DirectorySeparatorChar;
            // Besides the outputs: /dev/null, the runtime naming its threads under /proc/self, and the .NET
            // runtime's own diagnostic endpoints in the temporary folder, named by the process's id and removed at exit.
            var outside = written.Where(p => !p.StartsWith(reports, StringComparison.Ordinal) && !p.StartsWith(outputs, StringComparison.Ordinal)
                && p != reports.TrimEnd('/') && p != outputs.TrimEnd('/') && p != "/dev/null" && !p.StartsWith("/proc/self/", StringComparison.Ordinal)
                && !RuntimeEndpoint().IsMatch(p) && !WorkerScratch().IsMatch(p)).ToList();
            Assert.True(outside.Count == 0, $"written outside the outputs: {string.Join(", ", outside)}");
        }
        finally
        {
            File.Delete(trace);
        }
    }
}
