using CsCheck;
using SecMLOps.Gates.Cli;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Policies;
using SecMLOps.Gates.StrideCoverage;
using SecMLOps.Gates.Tests.Support;
using Xunit.Abstractions;

namespace SecMLOps.Gates.Tests.BadInputs;

/// <summary>
/// Mutations of the corpus base's policy and threat model (characters, lines and YAML tokens
/// changed, dropped, repeated): whatever the reader makes of them, it answers with findings, never
/// with an exception and never with a crash finding. The run's size and seed are printed;
/// SECMLOPS_FUZZ_SEED replays one seed and SECMLOPS_FUZZ_RUNS sets the size.
/// </summary>
public sealed class ReaderFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Tokens =
    [
        "~", "[]", "{}", "\"\"", "''", "!!str", "!!python/object:os.system", "&a", "*a", "---", "...", "\t", "\0", "?", ":", "-", "|", ">",
        "1e308", "-1", "0", "NaN", ".inf", "2026-13-45", "2999-12-31", "0x10", "true", "null", "[[[[[[", "}}}}", "../../etc/passwd", "/abs",
        "secmlops.gates/v1", "GatePolicy", "ThreatModel", "robustness", "data-flow", "H", "not-rated", "\u202e", "\uFEFF", "é", "𝒳",
    ];

    private static int Runs => int.TryParse(Environment.GetEnvironmentVariable("SECMLOPS_FUZZ_RUNS"), out var runs) ? runs : 3000;

    private static string Seed => Environment.GetEnvironmentVariable("SECMLOPS_FUZZ_SEED") is { Length: > 0 } seed ? seed : "0N0XIzNsQ0O2";

    /// <summary>One mutation of a text: a span replaced by a token, a line dropped or repeated, or a character flipped.</summary>
    private static Gen<string> Mutations(string text) =>
        Gen.Int[0, 3].SelectMany(kind => kind switch
        {
            0 => Gen.Int[0, text.Length].SelectMany(at => Gen.Int[0, 12].SelectMany(length => Gen.Int[0, Tokens.Length - 1].Select(i => Tokens[i]).Select(token =>
                text[..at] + token + text[Math.Min(text.Length, at + length)..]))),
            1 => Gen.Int[0, text.Count(c => c == '\n')].Select(line => string.Join('\n', text.Split('\n').Where((_, i) => i != line))),
            2 => Gen.Int[0, text.Count(c => c == '\n')].Select(line => string.Join('\n', text.Split('\n').SelectMany((l, i) => i == line ? new[] { l, l } : [l]))),
            _ => Gen.Int[0, Math.Max(0, text.Length - 1)].SelectMany(at => Gen.Char.Select(c => text[..at] + c + text[Math.Min(text.Length, at + 1)..])),
        });

    [Fact]
    public void Mutated_policies_and_threat_models_give_findings_never_exceptions_or_crashes()
    {
        var repository = CorpusBase.Create();
        try
        {
            var policyPath = repository.FullPath("policy.yaml");
            var threatModelPath = repository.FullPath("threat-model.yaml");
            var (policy, threatModel) = (File.ReadAllText(policyPath), File.ReadAllText(threatModelPath));
            var root = RepositoryRoot.At(repository.Path);
            var loader = new PolicyLoader(root, BuiltInGates.Registry, Support.Policies.Today);
            var (policies, models, rejected) = (0, 0, 0);

            Gen.Select(Mutations(policy), Mutations(threatModel), Gen.Bool).Sample((mutatedPolicy, mutatedModel, policyFirst) =>
            {
                if (policyFirst)
                {
                    File.WriteAllText(policyPath, mutatedPolicy);
                    File.WriteAllText(threatModelPath, threatModel);
                    var result = loader.Load(policyPath);
                    Assert.DoesNotContain(result.Errors, e => e.RuleId == EngineRules.GateCrashed.Id);
                    Assert.True(result.Policy is not null || result.Errors.Count > 0, "a policy that did not load must say why");
                    rejected += result.Errors.Count > 0 ? 1 : 0;
                    policies++;
                }
                else
                {
                    File.WriteAllText(policyPath, policy);
                    File.WriteAllText(threatModelPath, mutatedModel);
                    try
                    {
                        var (model, errors) = ThreatModelReader.Read(SourceDocument.Parse(mutatedModel, "threat-model.yaml"), ThreatModelReader.SecMLOpsFormat, Support.Policies.Today);
                        Assert.True(model is not null || errors.Count > 0, "a threat model that did not read must say why");
                        rejected += errors.Count > 0 ? 1 : 0;
                    }
                    catch (GateInputException)
                    {
                        rejected++;
                    }
                    var result = loader.Load(policyPath);
                    Assert.DoesNotContain(result.Errors, e => e.RuleId == EngineRules.GateCrashed.Id);
                    models++;
                }
            }, iter: Runs, seed: Seed, threads: 1);

            output.WriteLine($"fuzz: {Runs} mutations ({policies} of the policy, {models} of the threat model; {rejected} rejected with findings), seed {Seed}");
            Assert.Equal(Runs, policies + models);
        }
        finally
        {
            repository.Dispose();
        }
    }
}
