using SecMLOps.Gates.Tests.Support;
using SkiaSharp;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>
/// Annotated images that cannot be read as the detector's inputs, and outputs that cannot be what the policy
/// says, through `secmlops-gate evaluate` on the sample's ONNX detector: an image named outside the images
/// folder, an image of another size than the model takes, center logits declared as probabilities. Each is
/// an input error (exit 2) at the dataset's or the model's line, and no detections file is written.
/// </summary>
public sealed class DetectionDatasetTests : IDisposable
{
    private readonly ScratchRepository _repo = new();

    public DetectionDatasetTests()
    {
        File.Copy(Path.Combine(RepositoryLayout.Root, "samples/Detection/models/detector-undefended.onnx"), _repo.Full("detector.onnx"));
        Directory.CreateDirectory(_repo.Full("eval/images"));
        File.Copy(Path.Combine(RepositoryLayout.Root, "samples/Detection/data/eval/images/0001.png"), _repo.Full("eval/images/0001.png"));
        File.Copy(Path.Combine(RepositoryLayout.Root, "samples/Detection/data/eval/images/0002.png"), _repo.Full("secret.png"));
        _repo.Write("policy.yaml", """
            apiVersion: secmlops.gates/v1
            kind: GatePolicy
            metadata: {name: detector, version: 1.0.0, owners: [perception]}
            spec:
              model: {path: detector.onnx, format: onnx, inputShape: [3, 128, 256], valueRange: [0, 1]}
              datasets:
                evaluation:
                  path: eval/annotations.json
                  format: pedestrian-annotations
                  images: eval/images
              rules:
                - id: DET-1
                  kind: detection-robustness
                  enforcement: hard-mandatory
                  severity: critical
                  settings:
                    dataset: evaluation
                    attacks: [{name: fgsm, eps: [0.03]}]
                    detections: detections.json
            """);
    }

    private void Annotations(string secondFileName) => _repo.Write("eval/annotations.json", $$"""
        {"images": [{"id": 1, "file_name": "0001.png"}, {"id": 2, "file_name": "{{secondFileName}}"}],
         "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [100, 20, 30, 73], "height": 73, "vis_ratio": 1.0, "ignore": 0}],
         "categories": [{"id": 1, "name": "pedestrian"}]}
        """);

    /// <summary>Evaluates the policy: an input error (exit 2) at <paramref name="atLine"/> (the dataset's) that says <paramref name="message"/>, and no detections written.</summary>
    private void EvaluateFailsWith(string message, string atLine = "policy.yaml:8:")
    {
        var result = ProcessRunner.Cli(_repo.Path, "evaluate", "policy.yaml");
        Assert.True(result.ExitCode == 2, result.All);
        Assert.Contains(atLine, result.All);
        Assert.Contains(message, result.All);
        Assert.False(File.Exists(_repo.Full("detections.json")));
    }

    [Fact]
    public void An_image_named_outside_the_images_folder_is_an_input_error_and_nothing_is_read_from_it()
    {
        Annotations("../../secret.png");
        EvaluateFailsWith("image 2's file_name '../../secret.png' leads outside the images folder");
    }

    [Fact]
    public void An_image_of_another_size_than_the_model_takes_is_an_input_error()
    {
        using (var bitmap = new SKBitmap(128, 64))
        using (var png = bitmap.Encode(SKEncodedImageFormat.Png, 100))
            File.WriteAllBytes(_repo.Full("eval/images/0002.png"), png.ToArray());
        Annotations("0002.png");
        EvaluateFailsWith("image 2 (0002.png) is 128x64, not 256x128 (the model's input)");
    }

    [Fact]
    public void Logits_declared_as_probabilities_are_an_error_never_a_verdict()
    {
        Annotations("0001.png");
        _repo.Write("policy.yaml", File.ReadAllText(_repo.Full("policy.yaml")).Replace("attacks:", "head: {center: probabilities}\n        attacks:"));
        EvaluateFailsWith("the model's scores run from", atLine: "policy.yaml:5:");
    }

    public void Dispose() => _repo.Dispose();
}
