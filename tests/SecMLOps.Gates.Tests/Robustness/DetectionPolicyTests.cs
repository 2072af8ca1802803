using SecMLOps.Gates.Data;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>
/// Detection rules and pedestrian-annotation datasets through `secmlops-gate validate`, as a team writes
/// them: each mistake is an error at its line (exit 2) before anything runs, never a rule that runs on the
/// wrong data or skips.
/// </summary>
public sealed class DetectionPolicyTests : IDisposable
{
    private readonly ScratchRepository _repo = new();

    public DetectionPolicyTests()
    {
        _repo.Write("data/eval/annotations.json", """{"images": [{"id": 1, "file_name": "0001.png"}], "annotations": []}""");
        _repo.Write("data/eval/images/README", "images go here");
        _repo.Write("models/detector.onnx", "not read by validate");
    }

    private string Policy(string dataset, string rule) => _repo.Write("policies/detector.yaml", $$"""
        apiVersion: secmlops.gates/v1
        kind: GatePolicy
        metadata: {name: detector, version: 1.0.0, owners: [perception]}
        spec:
          model: {path: ../models/detector.onnx, format: torchscript, inputShape: [3, 128, 256]}
          datasets:
            evaluation:
        {{dataset}}
          rules:
        {{rule}}
        """);

    private const string Annotations = """
              path: ../data/eval/annotations.json
              format: pedestrian-annotations
              images: ../data/eval/images
        """;

    private const string DetectionRule = """
            - id: DET-1
              kind: detection-robustness
              enforcement: hard-mandatory
              severity: critical
              settings:
                dataset: evaluation
                attacks: [{name: fgsm, eps: [0.03]}]
        """;

    private ProcessResult Validate() => ProcessRunner.Cli(_repo.Path, "validate", "policies/detector.yaml");

    [Fact]
    public void A_detection_rule_on_annotated_images_validates()
    {
        Policy(Annotations, DetectionRule);
        var result = Validate();
        Assert.True(result.ExitCode == 0, result.All);
    }

    [Fact]
    public void A_classifier_rule_given_pedestrian_annotations_is_an_error_at_its_dataset_setting()
    {
        Policy(Annotations, """
                - id: ROB-1
                  kind: robustness
                  enforcement: hard-mandatory
                  severity: critical
                  settings:
                    dataset: evaluation
                    attacks: [{name: fgsm, eps: [0.03]}]
            """);
        var result = Validate();
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("policies/detector.yaml:17:", result.All);
        Assert.Contains("holds pedestrian-annotations, not the labelled samples rule ROB-1 reads", result.All);
    }

    [Fact]
    public void A_detection_rule_given_labelled_samples_is_an_error()
    {
        _repo.Write("data/eval.csv", "1,2,0\n3,4,1\n");
        Policy("""
                  path: ../data/eval.csv
                  format: csv
            """, DetectionRule);
        var result = Validate();
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("dataset evaluation is csv; a detection rule reads annotated images (pedestrian-annotations)", result.All);
    }

    [Fact]
    public void Annotations_without_their_images_folder_are_an_error()
    {
        Policy("""
                  path: ../data/eval/annotations.json
                  format: pedestrian-annotations
            """, DetectionRule);
        var result = Validate();
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("needs 'images', the folder holding the annotated images", result.All);
    }

    [Fact]
    public void An_option_another_attack_takes_is_an_error_at_its_key()
    {
        Policy(Annotations, DetectionRule.Replace("{name: fgsm, eps: [0.03]}", "{name: fgsm, eps: [0.03], steps: 20}"));
        var result = Validate();
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'steps' is not an option of fgsm (it takes eps)", result.All);
    }

    [Fact]
    public void A_key_of_the_other_kind_of_head_is_an_error_at_its_line()
    {
        Policy(Annotations, DetectionRule.Replace("attacks:", "head: {kind: boxes, stride: 8}\n        attacks:"));
        var result = Validate();
        Assert.True(result.ExitCode == 2, result.All);
        Assert.Contains("policies/detector.yaml:18:", result.All);
        Assert.Contains("'stride' describes a center-scale head; this head is boxes", result.All);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void An_annotation_check_against_a_golden_set_whose_annotations_or_images_are_not_pinned_is_an_error(bool annotationsPinned, bool imagesPinned)
    {
        var pins = (annotationsPinned ? $"\n      sha256: {FileDigest.Sha256(_repo.Full("data/eval/annotations.json"))}" : "")
            + (imagesPinned ? $"\n      imagesSha256: {FileDigest.Sha256(_repo.Full("data/eval/images"))}" : "");
        Policy(Annotations.TrimEnd() + pins, """
                - id: BOXES-1
                  kind: annotation-poisoning
                  enforcement: hard-mandatory
                  severity: critical
                  settings:
                    training: evaluation
                    golden: evaluation
            """);
        var result = Validate();
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("the golden dataset evaluation is the reference every box is judged by: pin its annotations with sha256 and its images with imagesSha256", result.All);
    }

    [Fact]
    public void An_image_changed_added_or_removed_after_the_images_were_pinned_is_an_integrity_error()
    {
        _repo.Write("data/eval/images/0001.png", "the verified image");
        Policy(Annotations.TrimEnd() + $"\n      imagesSha256: {FileDigest.Sha256(_repo.Full("data/eval/images"))}", DetectionRule);
        Assert.Equal(0, Validate().ExitCode);
        foreach (var change in new Action[]
                 {
                     () => _repo.Write("data/eval/images/0001.png", "another image"),
                     () => _repo.Write("data/eval/images/0002.png", "one more"),
                     () => File.Delete(_repo.Full("data/eval/images/README")),
                 })
        {
            change();
            var result = Validate();
            Assert.True(result.ExitCode == 2, result.All);
            Assert.Contains("dataset evaluation: images does not match its pinned imagesSha256", result.All);
        }
    }

    public void Dispose() => _repo.Dispose();
}
