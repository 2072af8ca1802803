using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Engine;

/// <summary>What a gate may see and use while it evaluates one rule.</summary>
public sealed class GateContext(GatePolicy policy, PolicyRule rule, RepositoryRoot root, DateOnly today, EvaluationInputs inputs, TextWriter progress)
{
    public GatePolicy Policy { get; } = policy;
    public PolicyRule Rule { get; } = rule;
    public RepositoryRoot Root { get; } = root;

    /// <summary>The date waivers, acceptances and assessment ages are judged against.</summary>
    public DateOnly Today { get; } = today;

    /// <summary>Resolves a path from the rule's settings (relative to the policy file) and records it as an input.</summary>
    public string ResolveSettingPath(string settingName)
    {
        var token = Rule.Settings[settingName] ?? throw new InvalidOperationException($"setting {settingName} is required by the schema");
        return ResolveExistingFile((string)token!, token, settingName);
    }

    /// <summary>
    /// Resolves a path relative to the policy file, refuses one outside the repository or missing (at
    /// <paramref name="declaredAt"/>'s line), and records it as an input.
    /// </summary>
    public string ResolveExistingFile(string relativePath, JToken declaredAt, string what)
    {
        var at = Policy.Document.LocationOf(declaredAt);
        var full = Root.Resolve(Policy.Directory, relativePath, at);
        if (!File.Exists(full))
            throw new GateInputException(EngineRules.InputMissing, $"{what} '{relativePath}' does not exist", at);
        RecordInput(full);
        return full;
    }

    /// <summary>Records a file the gate read, so that a change to it reruns the gate in incremental builds.</summary>
    public void RecordInput(string fullPath) => inputs.Add(Root.Relative(fullPath));

    public T Setting<T>(string name, T fallback) => Rule.Settings[name] is JToken token ? token.ToObject<T>()! : fallback;

    /// <summary>Reports progress of a long check (stderr for the CLI, messages in MSBuild).</summary>
    public void Progress(string message) => progress.WriteLine($"{Rule.Id}: {message}");

    /// <summary>Where findings about the rule itself point.</summary>
    public SourceLocation RuleLocation => Rule.Location;
}
