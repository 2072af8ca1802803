using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.EndToEnd;

[Collection(EndToEndCollection.Name)]
public sealed class MSBuildTaskTests
{
    private const string GateRan = "SecMLOps gate: evaluating";

    [Fact]
    public void A_violated_policy_fails_the_build_with_located_errors_and_a_passing_one_is_not_rerun()
    {
        var violated = SampleBuild.Build(SampleBuild.ViolatedPolicy);
        Assert.NotEqual(0, violated.ExitCode);
        var threatModel = Path.Combine(SampleBuild.ProjectDirectory, "threat-model.yaml");
        Assert.Contains($"{threatModel}(15,7): error SAMPLE-STRIDE-STRICT: EE-1 (Data scientist, external entity): Repudiation", violated.Output);
        Assert.Contains($"{threatModel}(60,7): error SAMPLE-STRIDE-STRICT: control SC-3", violated.Output);
        var violatedPolicy = Path.Combine(RepositoryLayout.Root, SampleBuild.ViolatedPolicy);
        Assert.Contains($"{violatedPolicy}(38,7): error SAMPLE-ROB-STRICT: pgd (eps=0.03): robust accuracy", violated.Output);

        var passing = SampleBuild.Build(SampleBuild.PassingPolicy);
        Assert.True(passing.ExitCode == 0, passing.Output);
        Assert.Contains(GateRan, passing.Output);

        var again = SampleBuild.Build(SampleBuild.PassingPolicy);
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.DoesNotContain(GateRan, again.Output);
    }

    [Fact]
    public void Changing_one_byte_of_the_signed_sample_model_fails_the_build_with_the_provenance_finding()
    {
        var model = Path.Combine(SampleBuild.ProjectDirectory, "models", "classifier-pgd.onnx");
        var original = File.ReadAllBytes(model);
        try
        {
            var changed = (byte[])original.Clone();
            changed[^100] ^= 1; // a weight byte: the model still loads, its digest no longer matches the lineage
            File.WriteAllBytes(model, changed);
            var build = SampleBuild.Build(SampleBuild.PassingPolicy);
            Assert.NotEqual(0, build.ExitCode);
            Assert.Contains("error SAMPLE-PROV-1: the lineage does not describe the artifacts on disk: classifier-pgd.onnx", build.Output);
        }
        finally
        {
            File.WriteAllBytes(model, original);
        }
    }

    [Fact]
    public void Editing_an_input_the_gate_read_reruns_it()
    {
        var first = SampleBuild.Build(SampleBuild.PassingPolicy);
        Assert.True(first.ExitCode == 0, first.Output);
        var evidence = Path.Combine(SampleBuild.ProjectDirectory, "evidence", "registry-access.md");
        File.SetLastWriteTimeUtc(evidence, DateTime.UtcNow);
        var second = SampleBuild.Build(SampleBuild.PassingPolicy);
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains(GateRan, second.Output);
    }
}
