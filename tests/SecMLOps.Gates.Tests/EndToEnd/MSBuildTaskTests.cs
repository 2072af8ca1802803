using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.EndToEnd;

[Trait("Layer", "slow")]
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
        Assert.Contains($"{threatModel}(21,7): error SAMPLE-STRIDE-STRICT: P-1 (Training pipeline, process): Information disclosure", violated.Output);
        Assert.Contains($"{threatModel}(31,7): error SAMPLE-STRIDE-STRICT: DS-1 (Model registry, data store): Information disclosure", violated.Output);
        var violatedPolicy = Path.Combine(RepositoryLayout.Root, SampleBuild.ViolatedPolicy);
        Assert.Contains($"{violatedPolicy}(38,7): error SAMPLE-ROB-STRICT: at eps=0.03, worst case over", violated.Output);

        // A failing build runs the gate again, but an unchanged robustness rule is not attacked again.
        var repeated = SampleBuild.Build(SampleBuild.ViolatedPolicy, null, "-v:n");
        Assert.NotEqual(0, repeated.ExitCode);
        Assert.Contains(GateRan, repeated.Output);
        Assert.Contains("SAMPLE-ROB-STRICT (rule ", repeated.Output);
        Assert.Contains("): result from the verdict cache", repeated.Output);
        Assert.Contains($"{violatedPolicy}(38,7): error SAMPLE-ROB-STRICT: at eps=0.03, worst case over", repeated.Output);

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
        // The passing policy's provenance rule alone (its other rules would attack and check the changed model
        // afresh, which is not under test here), on a copy of the signed model with one weight byte changed: the
        // model still loads, its digest no longer matches the lineage. The sample's own model stays as it is for
        // the tests that run beside this one.
        var policy = SampleBuild.OnlyRule(SampleBuild.PassingPolicy, "SAMPLE-PROV-1");
        var changed = File.ReadAllBytes(Path.Combine(SampleBuild.ProjectDirectory, "models", "classifier-pgd.onnx"));
        changed[^100] ^= 1;
        var copy = Path.Combine(SampleBuild.ProjectDirectory, "obj", "changed-model", "classifier-pgd.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.WriteAllBytes(copy, changed);
        var policyPath = Path.Combine(RepositoryLayout.Root, policy);
        File.WriteAllText(policyPath, File.ReadAllText(policyPath).Replace("../models/classifier-pgd.onnx", "changed-model/classifier-pgd.onnx", StringComparison.Ordinal));

        var build = SampleBuild.Build(policy);
        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("error SAMPLE-PROV-1: the lineage does not describe the artifacts on disk: classifier-pgd.onnx", build.Output);
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

    [Fact]
    public void A_design_time_build_never_runs_the_gate()
    {
        var build = SampleBuild.Build(SampleBuild.ViolatedPolicy, null, "-p:DesignTimeBuild=true");
        Assert.True(build.ExitCode == 0, build.All);
        Assert.DoesNotContain(GateRan, build.Output);
    }

    [Fact]
    public void A_remembered_pass_is_forgotten_after_its_valid_until_day_and_progress_shows_at_normal_verbosity()
    {
        var first = SampleBuild.Build(SampleBuild.PassingPolicy);
        Assert.True(first.ExitCode == 0, first.All);
        Assert.Equal("2028-11-19", File.ReadAllText(Path.Combine(SampleBuild.StateDirectory, "valid-until")).Trim());

        // As if the day the verdict held until (a waiver's expiry) had passed.
        File.WriteAllText(Path.Combine(SampleBuild.StateDirectory, "valid-until"), "2000-01-01");
        var expired = SampleBuild.Build(SampleBuild.PassingPolicy, null, "-v:n");
        Assert.True(expired.ExitCode == 0, expired.All);
        Assert.Contains(GateRan, expired.Output);
        // The CLI's progress, here the robustness rule's answer from the verdict cache the first build filled.
        Assert.Contains("SAMPLE-ROB-1 (rule 1 of 4): result from the verdict cache", expired.Output);
    }
}
