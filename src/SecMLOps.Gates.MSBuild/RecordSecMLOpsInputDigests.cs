using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;
using SecMLOps.Gates.Data;

namespace SecMLOps.Gates.MSBuild;

/// <summary>
/// Before the gate target, records the sha256 of every file the last evaluation read. The file is
/// rewritten only when a digest changed, and the gate target lists it among its inputs: a model or
/// dataset replaced by other content reruns the gate even when its timestamp is older than the last
/// pass (a copy that kept its time, a checkout, an archive).
/// </summary>
public sealed class RecordSecMLOpsInputDigests : Microsoft.Build.Utilities.Task
{
    public ITaskItem[] Inputs { get; set; } = [];

    [Required] public string DigestsFile { get; set; } = "";

    public override bool Execute()
    {
        InputDigests.WriteIfChanged(DigestsFile, Inputs.Select(i => i.GetMetadata("FullPath")).Select(path => (path, FileDigest.TryDigest(path))));
        return true;
    }
}

/// <summary>The digests file: one "sha256 path" line per input, written by this task before a build and by the evaluation task after a run.</summary>
internal static class InputDigests
{
    public static void WriteIfChanged(string file, IEnumerable<(string FullPath, string? Sha256)> inputs)
    {
        var text = string.Concat(inputs.Select(i => $"{i.Sha256 ?? "unreadable"} {i.FullPath}\n"));
        if (!File.Exists(file) || File.ReadAllText(file) != text)
            File.WriteAllText(file, text);
    }
}
