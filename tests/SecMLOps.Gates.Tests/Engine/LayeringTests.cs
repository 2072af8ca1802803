using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Robustness.Gate;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Engine;

/// <summary>The folders of an assembly are layers: no two namespaces use each other, directly or round about.</summary>
public sealed class LayeringTests
{
    [Theory]
    [InlineData(typeof(GateEngine))]
    [InlineData(typeof(RobustnessGate))]
    public void No_namespaces_of_an_assembly_form_a_cycle(Type member)
    {
        var graph = new NamespaceGraph(member.Assembly);
        Assert.True(graph.Edges.Count > 3, $"only {graph.Edges.Count} namespaces with uses found in {member.Assembly.GetName().Name}");
        var cycles = graph.Cycles();
        Assert.True(cycles.Count == 0, $"{member.Assembly.GetName().Name} has namespace cycles:\n" + string.Join("\n\n", cycles));
    }
}
