using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Policies;

/// <summary>A checkout without Git LFS leaves pointer files where the model and data should be: validate and evaluate say so, with the fix.</summary>
public sealed class GitLfsPointerTests
{
    private const string Pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 2487916\n";

    [Theory]
    [InlineData("validate")]
    [InlineData("evaluate")]
    public void A_model_left_as_an_lfs_pointer_is_named_with_the_fix(string command)
    {
        using var repo = new ScratchRepository();
        repo.Write("models/classifier.onnx", Pointer);
        repo.Write("data/eval.csv", "0.1,0.2,0\n");
        repo.Write("policy.yaml", """
            apiVersion: secmlops.gates/v1
            kind: GatePolicy
            metadata: {name: lfs, version: 1.0.0, owners: [ml-team]}
            spec:
              model: {path: models/classifier.onnx, format: onnx, inputShape: [2], inputLayout: flat}
              datasets:
                eval: {path: data/eval.csv, format: csv}
              rules:
                - id: ROB-1
                  kind: robustness
                  enforcement: hard-mandatory
                  severity: high
                  settings:
                    dataset: eval
                    attacks: [{name: fgsm}]
            """);
        using var output = new StringWriter();

        var exit = GateCommandLine.Run([command, repo.Full("policy.yaml"), "--repo-root", repo.Path], output, output);

        Assert.Equal(ExitCodes.InputError, exit);
        Assert.Contains("policy.yaml:5:17: error SMG0005: model 'models/classifier.onnx' is a Git LFS pointer for a file of 2487916 bytes, not the file itself: " +
            "fetch it with `git lfs pull` (in GitHub Actions, check out with `lfs: true`)", output.ToString());
        Assert.DoesNotContain("SMG0009", output.ToString());
    }

    [Fact]
    public void A_small_text_file_that_only_mentions_lfs_is_not_taken_for_a_pointer()
    {
        using var repo = new ScratchRepository();
        var notes = repo.Write("notes.txt", "version https://git-lfs.github.com/spec/v1 is what the pointer starts with\n");

        Assert.Null(SecMLOps.Gates.Inputs.GitLfsPointer.Problem(notes));
        Assert.NotNull(SecMLOps.Gates.Inputs.GitLfsPointer.Problem(repo.Write("pointer", Pointer)));
    }
}
