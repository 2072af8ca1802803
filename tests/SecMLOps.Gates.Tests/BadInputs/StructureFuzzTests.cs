using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.StrideCoverage;
using SecMLOps.Gates.Tests.Support;
using Xunit.Abstractions;

namespace SecMLOps.Gates.Tests.BadInputs;

/// <summary>
/// Structure-aware fuzzing: every node of the corpus base's policy and threat model, at every level,
/// is replaced in turn by each shape a careless edit can give it (an empty list or map, a string, a
/// number, a boolean, null, the node wrapped in a list). Every mutant is read the way validate and
/// evaluate read it; each answers with a policy or with findings, never with an exception or a crash
/// finding. Unlike the random mutations, this enumerates every case, so a run is the same every time.
/// </summary>
public sealed class StructureFuzzTests(ITestOutputHelper output)
{
    private static IEnumerable<JToken> Shapes(JToken original) =>
        [new JArray(), new JObject(), new JValue("x"), new JValue(7), new JValue(-1.5e308), new JValue(true), JValue.CreateNull(), new JArray(original.DeepClone())];

    /// <summary>Every node under the root, named by its JSON path, each replaced by every shape.</summary>
    private static IEnumerable<(string Path, string Text)> Mutants(JToken root)
    {
        var nodes = root.SelectTokens("$..*").Where(n => n.Parent is not null).ToList();
        for (var index = 0; index < nodes.Count; index++)
        {
            var node = nodes[index];
            foreach (var shape in Shapes(node))
            {
                var copy = root.DeepClone();
                copy.SelectTokens("$..*").Where(n => n.Parent is not null).ElementAt(index).Replace(shape);
                yield return ($"{node.Path} = {shape.ToString(Formatting.None)}", copy.ToString(Formatting.Indented));
            }
        }
    }

    [Fact]
    public void Every_node_turned_into_every_shape_gives_findings_never_exceptions_or_crashes()
    {
        using var repository = CorpusBase.Create();
        var policyPath = repository.FullPath("policy.yaml");
        var threatModelPath = repository.FullPath("threat-model.yaml");
        var (policy, threatModel) = (File.ReadAllText(policyPath), File.ReadAllText(threatModelPath));
        var loader = new PolicyLoader(RepositoryRoot.At(repository.Path), BuiltInGates.Registry, Support.Policies.Today);
        var (policies, models, rejected) = (0, 0, 0);

        foreach (var (path, text) in Mutants(SourceDocument.Parse(policy, "policy.yaml").Root))
        {
            File.WriteAllText(policyPath, text);
            var result = Read(path, () => loader.Load(policyPath));
            Assert.False(result.Errors.Any(e => e.RuleId == EngineRules.GateCrashed.Id), $"policy {path}: {string.Join("; ", result.Errors.Select(e => e.Message))}");
            Assert.True(result.Policy is not null || result.Errors.Count > 0, $"policy {path} did not load and did not say why");
            rejected += result.Errors.Count > 0 ? 1 : 0;
            policies++;
        }
        File.WriteAllText(policyPath, policy);

        foreach (var (path, text) in Mutants(SourceDocument.Parse(threatModel, "threat-model.yaml").Root))
        {
            File.WriteAllText(threatModelPath, text);
            var (model, errors) = Read(path, () => ThreatModelReader.Read(SourceDocument.Parse(text, "threat-model.yaml"), ThreatModelReader.SecMLOpsFormat, Support.Policies.Today));
            Assert.True(model is not null || errors.Count > 0, $"threat model {path} did not read and did not say why");
            var result = Read(path, () => loader.Load(policyPath));
            Assert.False(result.Errors.Any(e => e.RuleId == EngineRules.GateCrashed.Id), $"threat model {path}: {string.Join("; ", result.Errors.Select(e => e.Message))}");
            rejected += errors.Count > 0 ? 1 : 0;
            models++;
        }

        output.WriteLine($"structure fuzz: {policies + models} mutants ({policies} of the policy, {models} of the threat model; {rejected} rejected with findings)");
        Assert.True(policies > 500 && models > 500, $"{policies} policy and {models} threat-model mutants");
    }

    /// <summary>An exception escaping the reader fails the test naming the mutant that caused it.</summary>
    private static T Read<T>(string mutant, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{mutant}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
        }
    }
}
