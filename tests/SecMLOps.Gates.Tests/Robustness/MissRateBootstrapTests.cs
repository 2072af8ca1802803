using SecMLOps.Gates.Robustness.Detection;

namespace SecMLOps.Gates.Tests.Robustness;

/// <summary>
/// The bootstrap interval of the detection rule's margin on scenes whose figures are known: one pedestrian
/// an image, found clean, missed under attack in one image of ten. The point margin is 100 - 10 - 0.8 x 100
/// = 10 points whatever the number of images; on 10 images a draw with three of the missed image is
/// likely enough that the interval's lower end is below 0, on 1,000 images it is not.
/// </summary>
public sealed class MissRateBootstrapTests
{
    private static readonly MissRateSetting Reasonable = MissRateSetting.Standard[0];

    private static (IReadOnlyList<ImageOutcome> Clean, IReadOnlyList<ImageOutcome> Attacked, double Margin) Scenes(int count)
    {
        var ids = Enumerable.Range(1, count).Select(i => (long)i).ToList();
        var truth = new PedestrianAnnotations(ids, ids.ToDictionary(id => id, _ => (IReadOnlyList<AnnotatedBox>)[new AnnotatedBox(10, 10, 33, 80, 1.0, Ignore: false)]));
        var found = ids.ToDictionary(id => id, _ => (IReadOnlyList<DetectedBox>)[new DetectedBox(10, 10, 33, 80, 0.9)]);
        var attacked = ids.ToDictionary(id => id, id => id % 10 == 0 ? (IReadOnlyList<DetectedBox>)[] : found[id]);
        var margin = 100 - 100 * MissRate.Evaluate(truth, attacked, Reasonable)!.LogAverage - 0.8 * (100 - 100 * MissRate.Evaluate(truth, found, Reasonable)!.LogAverage);
        return (MissRate.PerImage(truth, found, Reasonable), MissRate.PerImage(truth, attacked, Reasonable), margin);
    }

    [Fact]
    public void Ten_images_leave_the_margin_uncertain_enough_to_fail_and_a_thousand_do_not()
    {
        var (clean, attacked, margin) = Scenes(10);
        Assert.Equal(10, margin, 6);
        var (low, high) = MissRateBootstrap.MarginInterval(clean, [attacked], Reasonable, 0.8, seed: 7);
        Assert.True(low < 0 && high >= margin, $"{low} to {high}");

        (clean, attacked, margin) = Scenes(1000);
        Assert.Equal(10, margin, 6);
        (low, high) = MissRateBootstrap.MarginInterval(clean, [attacked], Reasonable, 0.8, seed: 7);
        Assert.InRange(low, 7, 10);
        Assert.InRange(high, 10, 13);
    }

    [Fact]
    public void The_worst_attack_of_each_resample_decides_and_the_same_seed_gives_the_same_interval()
    {
        var (clean, attacked, _) = Scenes(200);
        var alone = MissRateBootstrap.MarginInterval(clean, [clean], Reasonable, 0.8, seed: 3);
        Assert.Equal((20.0, 20.0), alone);
        Assert.Equal(MissRateBootstrap.MarginInterval(clean, [clean, attacked], Reasonable, 0.8, seed: 3), MissRateBootstrap.MarginInterval(clean, [attacked], Reasonable, 0.8, seed: 3));
    }
}
