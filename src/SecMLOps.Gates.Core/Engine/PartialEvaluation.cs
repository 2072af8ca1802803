using System.Globalization;
using System.Text.Json;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Engine;

/// <summary>One rule's share in a partial file: the verdict-cache key its policy and inputs gave in the shard, and what its run returned.</summary>
public sealed record RulePart(string RuleId, string? Key, RuleRun Run);

/// <summary>
/// What <c>evaluate --shard I/N --partial FILE</c> writes and <c>merge</c> reads: the shard, the
/// evaluation it belongs to (tool version, policies, selected rules, date) and each rule's part.
/// The keys tie every part to the tool build, the policy and the sha256 of every input, so that
/// parts made from other inputs are refused, never combined. A partial file is as trustworthy as the
/// job that wrote it: the merge checks what it was made from, not what the attacks found.
/// </summary>
public sealed record PartialEvaluation(Shard Shard, string Tool, DateOnly Today, IReadOnlyList<string> Paths, IReadOnlyList<string>? RuleIds, IReadOnlyList<RulePart> Rules)
{
    private const string Format = "secmlops-gate partial evaluation 1";

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(new StoredPartial(Format, Tool, Shard.ToString(), Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        Paths.ToList(), RuleIds?.ToList(), Rules.Select(r => new StoredPart(r.RuleId, r.Key, r.Run.ToJson())).ToList()), Web) + "\n";

    /// <exception cref="GateInputException">The file cannot be read or is no partial file of this tool.</exception>
    public static PartialEvaluation Read(string path, string named)
    {
        var at = new SourceLocation(named, 0, 0);
        StoredPartial? stored;
        try
        {
            // A part holds a few numbers per sample: bounded as the dataset it came from is, and refused by its size before it is read.
            using var stream = InputFiles.OpenRead(path, InputLimits.DatasetMemoryBytes);
            stored = JsonSerializer.Deserialize<StoredPartial>(stream, Web);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            throw new GateInputException(EngineRules.InputMalformed, $"{named} cannot be read as a partial evaluation ({e.Message})", at);
        }
        if (stored is null || stored.Format != Format)
            throw new GateInputException(EngineRules.InputMalformed, $"{named} is not a partial evaluation written by evaluate --shard (format '{stored?.Format}', expected '{Format}')", at);
        var shard = Engine.Shard.Parse(stored.Shard ?? "")
            ?? throw new GateInputException(EngineRules.InputMalformed, $"{named}: shard '{stored.Shard}' is not I/N", at);
        if (!DateOnly.TryParseExact(stored.Today, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var today))
            throw new GateInputException(EngineRules.InputMalformed, $"{named}: today '{stored.Today}' is not a date", at);
        if ((stored.Rules ?? []).GroupBy(r => r.Id).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new GateInputException(EngineRules.InputMalformed, $"{named} holds rule {twice.Key} twice", at);
        try
        {
            return new PartialEvaluation(shard, stored.Tool ?? "", today, stored.Paths ?? [], stored.RuleIds,
                (stored.Rules ?? []).Select(r => new RulePart(r.Id, r.Key, RuleRun.FromJson(r.Run))).ToList());
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentNullException)
        {
            throw new GateInputException(EngineRules.InputMalformed, $"{named}: a rule's part cannot be read ({e.Message})", at);
        }
    }

    private sealed record StoredPartial(string? Format, string? Tool, string? Shard, string? Today, List<string>? Paths, List<string>? RuleIds, List<StoredPart>? Rules);

    private sealed record StoredPart(string Id, string? Key, string Run);
}

/// <summary>
/// The partial files of one sharded evaluation, checked to belong together: one tool version, one
/// shard count with every shard exactly once, the same policies, rules and date.
/// </summary>
public sealed class ShardedEvaluation
{
    private readonly IReadOnlyList<(string File, PartialEvaluation Partial)> _shards;

    private ShardedEvaluation(IReadOnlyList<(string File, PartialEvaluation Partial)> shards) => _shards = shards;

    public int Count => _shards.Count;
    public DateOnly Today => _shards[0].Partial.Today;
    public IReadOnlyList<string> Paths => _shards[0].Partial.Paths;
    public IReadOnlyList<string>? RuleIds => _shards[0].Partial.RuleIds;

    /// <exception cref="GateInputException">The files are not the shards of one evaluation by this tool.</exception>
    public static ShardedEvaluation Combine(IReadOnlyList<(string File, PartialEvaluation Partial)> files)
    {
        if (files.Count == 0)
            throw new GateInputException(EngineRules.InputMissing, "merge needs the partial files of every shard", new SourceLocation("", 0, 0));
        var first = files[0];
        foreach (var (file, partial) in files)
        {
            var at = new SourceLocation(file, 0, 0);
            if (partial.Tool != ToolInfo.Version)
                throw new GateInputException(EngineRules.InputMalformed, $"{file} was written by secmlops-gate {partial.Tool}, this is {ToolInfo.Version}: shards and merge must run the same tool", at);
            if (partial.Shard.Count != first.Partial.Shard.Count)
                throw new GateInputException(EngineRules.InputMalformed, $"{file} is shard {partial.Shard} but {first.File} is shard {first.Partial.Shard}: one evaluation has one shard count", at);
            if (partial.Today != first.Partial.Today || !partial.Paths.SequenceEqual(first.Partial.Paths)
                || !(partial.RuleIds ?? []).SequenceEqual(first.Partial.RuleIds ?? []) || (partial.RuleIds is null) != (first.Partial.RuleIds is null))
                throw new GateInputException(EngineRules.InputMalformed,
                    $"{file} evaluated other policies, rules or another date than {first.File} ({string.Join(" ", partial.Paths)} as of {partial.Today:yyyy-MM-dd}, against {string.Join(" ", first.Partial.Paths)} as of {first.Partial.Today:yyyy-MM-dd})", at);
        }
        var byIndex = files.GroupBy(f => f.Partial.Shard.Index).ToDictionary(g => g.Key, g => g.ToList());
        if (byIndex.FirstOrDefault(g => g.Value.Count > 1).Value is { } repeated)
            throw new GateInputException(EngineRules.InputMalformed,
                $"shard {repeated[0].Partial.Shard} is given twice ({string.Join(", ", repeated.Select(r => r.File))}): each shard's samples would count twice", new SourceLocation(repeated[1].File, 0, 0));
        var missing = Enumerable.Range(1, first.Partial.Shard.Count).Where(i => !byIndex.ContainsKey(i)).ToList();
        if (missing.Count > 0)
            throw new GateInputException(EngineRules.InputMissing,
                $"shard(s) {string.Join(", ", missing.Select(i => $"{i}/{first.Partial.Shard.Count}"))} missing: without every shard, samples would go unevaluated", new SourceLocation(first.File, 0, 0));
        return new ShardedEvaluation(files.OrderBy(f => f.Partial.Shard.Index).ToList());
    }

    /// <summary>The rule's part in each shard, in shard order (null where a shard has none), with the file it came from.</summary>
    public IReadOnlyList<(string File, RulePart? Part)> PartsOf(string ruleId) =>
        _shards.Select(s => (s.File, s.Partial.Rules.SingleOrDefault(r => r.RuleId == ruleId))).ToList();
}
