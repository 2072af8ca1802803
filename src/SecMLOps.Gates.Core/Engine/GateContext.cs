using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Engine;

/// <summary>What a gate may see and use while it evaluates one rule.</summary>
/// <param name="position">Where the rule stands in the evaluation ("rule 2 of 3"), for progress.</param>
public sealed class GateContext(GatePolicy policy, PolicyRule rule, RepositoryRoot root, DateOnly today, EvaluationInputs inputs, DatasetIntegrity integrity, StagedOutputs outputs, TextWriter progress,
    Func<string, RuleStanding> standings, string position)
{
    public GatePolicy Policy { get; } = policy;
    public PolicyRule Rule { get; } = rule;
    public RepositoryRoot Root { get; } = root;

    /// <summary>The date waivers, acceptances and assessment ages are judged against.</summary>
    public DateOnly Today { get; } = today;

    /// <summary>Records a file the gate read, so that a change to it reruns the gate in incremental builds.</summary>
    public void RecordInput(string fullPath) => inputs.Add(Root.Relative(fullPath));

    /// <summary>
    /// Opens a dataset for reading, after checking its pinned digests (one check, one outcome, for
    /// every gate: a mismatch is an input-integrity error). Returns the reader and a passed finding
    /// per pinned file, for the gate to report.
    /// </summary>
    public (IDatasetReader Reader, IReadOnlyList<Finding> Integrity) OpenDataset(DatasetSpec dataset)
    {
        var verified = VerifyDataset(dataset);
        return (DatasetReaders.Open(dataset), verified);
    }

    /// <summary>
    /// Records the dataset's files as inputs and checks their pinned digests, for a gate that reads the
    /// files itself (detection annotations); a passed finding per pinned file.
    /// </summary>
    public IReadOnlyList<Finding> VerifyDataset(DatasetSpec dataset)
    {
        foreach (var file in dataset.Files)
            RecordInput(file);
        return integrity.Verify(dataset).Select(v => Finding.Passed(Rule.Id, $"integrity/{dataset.Name}/{Path.GetFileName(v.File)}",
            $"dataset {dataset.Name} ({Path.GetFileName(v.File)}) matches its pinned sha256", dataset.Location,
            new Dictionary<string, object> { ["sha256"] = v.Sha256 })).ToList();
    }

    /// <summary>
    /// Writes a file the rule declared as an output (checked when the policy loaded): whole, and only
    /// put in place when the evaluation reaches a verdict.
    /// </summary>
    public void WriteOutput(string fullPath, Action<string> writeTemporary)
    {
        if (!Rule.Outputs.Any(o => o.FullPath == fullPath))
            throw new InvalidOperationException($"{fullPath} is not an output the rule declared");
        outputs.Stage(fullPath, writeTemporary);
    }

    /// <summary>How another rule of this evaluation came out; final for every rule when the gate <see cref="GateDescriptor.JudgesOtherRules"/>.</summary>
    public RuleStanding StandingOf(string ruleId) => standings(ruleId);

    /// <summary>Reports progress of a long check (stderr for the CLI, messages in MSBuild).</summary>
    public void Progress(string message) => progress.WriteLine($"{Rule.Id} ({position}): {message}");

    /// <summary>
    /// Under <c>--shard</c>, the share of a shardable gate's samples to evaluate: the gate returns its
    /// part (<see cref="GateResult.Part"/>) instead of a verdict. Null when the rule runs whole.
    /// </summary>
    public Shard? Shard { get; init; }

    /// <summary>Where findings about the rule itself point.</summary>
    public SourceLocation RuleLocation => Rule.Location;

    public SourceLocation LocationOf(JToken token) => Policy.Document.LocationOf(token);
}
