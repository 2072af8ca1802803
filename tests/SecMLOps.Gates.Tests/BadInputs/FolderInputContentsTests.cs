using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Tests.Support;
using SkiaSharp;

namespace SecMLOps.Gates.Tests.BadInputs;

/// <summary>
/// What a folder input holds obeys the rule its own path does, for each kind of folder a policy names (an
/// image-folder dataset, a detection dataset's images, a signed model's directory), through the real
/// command line: a link to a file outside the repository, a link to a folder (which a listing would follow
/// back up, over and over) and a FIFO are input errors at the folder's line, in `validate` and in
/// `evaluate`, before anything is read, hashed or waited on; a link to a file inside the repository is read.
/// </summary>
public sealed class FolderInputContentsTests : IDisposable
{
    private readonly ScratchRepository _repo = new();
    private readonly ScratchRepository _outside = new();

    public FolderInputContentsTests()
    {
        Png(_repo.Full("images/0/a.png"));
        Png(_repo.Full("images/1/b.png"));
        Png(_repo.Full("boxes/0001.png"));
        Png(_repo.Full("elsewhere/c.png"));
        Png(_outside.Full("secret.png"));
        _repo.Write("boxes.json", """
            {"images": [{"id": 1, "file_name": "0001.png"}],
             "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2], "height": 2, "vis_ratio": 1.0, "ignore": 0}],
             "categories": [{"id": 1, "name": "pedestrian"}]}
            """);
        _repo.Write("model/weights.bin", "weights");
        _repo.Write("threat-model.yaml", Support.Policies.ThreatModel(Support.Policies.AssessedEntity));
    }

    public void Dispose()
    {
        _repo.Dispose();
        _outside.Dispose();
    }

    /// <summary>Where a bad entry goes in each kind of folder input: an image-folder dataset's class folder, a detection dataset's images, a model directory.</summary>
    public static TheoryData<string> Folders() => ["images/1", "boxes", "model"];

    private static string Policy(string folder) => folder switch
    {
        "images/1" => Support.Policies.StridePolicy(settings: "  datasets:\n    evaluation:\n      path: images\n      format: image-folder"),
        "boxes" => Support.Policies.StridePolicy(settings: "  datasets:\n    evaluation:\n      path: boxes.json\n      format: pedestrian-annotations\n      images: boxes"),
        _ => Support.Policies.StridePolicy(rules: "    - id: PROV-1\n      kind: provenance\n      enforcement: hard-mandatory\n      severity: high\n      settings:\n        models:\n          - {directory: model}"),
    };

    private static string DeclaredAt(string folder) => folder switch
    {
        "images/1" => "policy.yaml:17:13",
        "boxes" => "policy.yaml:19:15",
        _ => "policy.yaml:22:25",
    };

    [Theory]
    [MemberData(nameof(Folders))]
    public void A_link_to_a_file_outside_the_repository_is_refused(string folder)
    {
        File.CreateSymbolicLink(_repo.Full($"{folder}/x.png"), _outside.Full("secret.png"));
        RefusedInBothCommands(folder, "SMG0004", $"'{folder}/x.png' is a symbolic link that resolves outside the repository root");
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void A_link_to_a_folder_is_refused_even_inside_the_repository(string folder)
    {
        Directory.CreateSymbolicLink(_repo.Full($"{folder}/up"), "..");
        RefusedInBothCommands(folder, "SMG0004", $"'{folder}/up' is a symbolic link to a folder");
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void A_fifo_is_refused_at_once_never_waited_on(string folder)
    {
        var made = ProcessRunner.Run("mkfifo", [_repo.Full($"{folder}/x.png")], _repo.Path);
        Assert.True(made.ExitCode == 0, made.All);
        RefusedInBothCommands(folder, "SMG0005", $"'{folder}/x.png' is a FIFO (named pipe), not a file");
    }

    [Fact]
    public void A_link_to_a_file_inside_the_repository_is_read()
    {
        File.CreateSymbolicLink(_repo.Full("images/1/c.png"), "../../elsewhere/c.png");
        _repo.Write("policy.yaml", Policy("images/1"));
        var (code, output) = Run("validate", "policy.yaml");
        Assert.True(code == ExitCodes.Passed, output);
    }

    private void RefusedInBothCommands(string folder, string code, string message)
    {
        _repo.Write("policy.yaml", Policy(folder));
        foreach (var command in new[] { "validate", "evaluate" })
        {
            var run = Task.Run(() => Run(command, "policy.yaml"));
            Assert.True(run.Wait(TimeSpan.FromSeconds(60)), $"{command} waited on the folder's contents");
            var (exit, output) = run.Result;
            Assert.True(exit == ExitCodes.InputError, $"{command}: exit {exit}\n{output}");
            Assert.Contains($"{DeclaredAt(folder)}: error {code}: {message}", output);
        }
    }

    private (int Code, string Output) Run(string command, string policy)
    {
        var output = new StringWriter();
        var code = GateCommandLine.Run([command, _repo.Full(policy), "--repo-root", _repo.Path, "--as-of", "2026-11-22"], output, output);
        return (code, output.ToString());
    }

    private static void Png(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(2, 2);
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, png.ToArray());
    }
}
