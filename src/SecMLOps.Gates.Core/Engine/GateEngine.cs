using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Engine;

/// <summary>What to evaluate: policy files or folders holding them, the repository, and the date to judge expiries by.</summary>
public sealed record EvaluationRequest(IReadOnlyList<string> Paths, RepositoryRoot Root, DateOnly Today, TextWriter? Progress = null);

/// <summary>
/// The one engine behind the CLI, the MSBuild task and the action. It loads each policy, runs each
/// rule through its gate, turns every exception into an error finding (so nothing fails open),
/// applies waivers and enforcement, and orders the result deterministically.
/// </summary>
public sealed class GateEngine(GateRegistry gates)
{
    public EvaluationReport Evaluate(EvaluationRequest request)
    {
        var loader = new PolicyLoader(request.Root, gates, request.Today);
        var inputs = new EvaluationInputs();
        var findings = new List<ReportedFinding>();
        var rules = new Dictionary<string, RuleDescriptor>(StringComparer.Ordinal);
        var policies = new List<EvaluatedPolicy>();
        var declaredRuleIds = new Dictionary<string, GatePolicy>(StringComparer.Ordinal);

        var (documents, discoveryErrors) = DocumentDiscovery.Discover(request.Paths, request.Root);
        findings.AddRange(discoveryErrors.Select(EngineFinding));
        var policyFiles = documents.Where(d => d.Kind == DiscoveredDocument.GatePolicy).Select(d => d.FullPath).ToList();
        if (policyFiles.Count == 0 && discoveryErrors.Count == 0)
        {
            var named = string.Join(" ", request.Paths);
            findings.Add(EngineFinding(Finding.Error(EngineRules.InputMissing.Id, named, "no policy files found", new SourceLocation(named, 0, 0))));
        }

        foreach (var file in policyFiles)
        {
            var loaded = loader.Load(file);
            if (loaded.Policy is not { } policy)
            {
                policies.Add(new EvaluatedPolicy(request.Root.Contains(file) ? request.Root.Relative(file) : file, null, null));
                findings.AddRange(loaded.Errors.Select(EngineFinding));
                continue;
            }
            inputs.Add(policy.Document.Path);
            policies.Add(new EvaluatedPolicy(policy.Document.Path, policy.Name, policy.Version));

            foreach (var rule in policy.Rules)
            {
                if (declaredRuleIds.TryGetValue(rule.Id, out var first))
                {
                    findings.Add(EngineFinding(Finding.Error(EngineRules.PolicyInconsistent.Id, rule.Id,
                        $"rule id {rule.Id} is also declared in {first.Document.Path}; rule ids must be unique across evaluated policies", rule.Location)));
                    continue;
                }
                declaredRuleIds[rule.Id] = policy;
                findings.AddRange(EvaluateRule(policy, rule, request, inputs, rules));
            }
        }

        foreach (var finding in findings)
            rules.TryAdd(finding.Rule.Id, finding.Rule);

        return new EvaluationReport(
            policies,
            findings.OrderBy(f => f.Finding.Locations.FirstOrDefault()?.Path, StringComparer.Ordinal)
                .ThenBy(f => f.Finding.Locations.FirstOrDefault()?.Line)
                .ThenBy(f => f.Finding.Locations.FirstOrDefault()?.Column)
                .ThenBy(f => f.Finding.RuleId, StringComparer.Ordinal)
                .ThenBy(f => f.Finding.Subject, StringComparer.Ordinal)
                .ThenBy(f => f.Finding.Message, StringComparer.Ordinal)
                .ToList(),
            rules.Values.OrderBy(r => r.Id, StringComparer.Ordinal).ToList(),
            inputs.ToList());
    }

    private IEnumerable<ReportedFinding> EvaluateRule(GatePolicy policy, PolicyRule rule, EvaluationRequest request, EvaluationInputs inputs, Dictionary<string, RuleDescriptor> rules)
    {
        if (gates.Find(rule.Kind) is not { } gate)
        {
            return [EngineFinding(Finding.Error(EngineRules.GateUnavailable.Id, rule.Id,
                $"rule {rule.Id} has kind '{rule.Kind}', for which no gate is built in this version; it cannot pass", rule.Location))];
        }

        var descriptor = Describe(policy, rule, gate);
        rules[rule.Id] = descriptor;
        var waiver = policy.Waivers.FirstOrDefault(w => w.RuleId == rule.Id);
        var context = new GateContext(policy, rule, request.Root, request.Today, inputs, request.Progress ?? TextWriter.Null);
        try
        {
            var produced = gate.Evaluate(context).ToList();
            if (produced.Count == 0)
                produced.Add(Finding.Error(EngineRules.GateCrashed.Id, rule.Id, $"the {gate.Kind} gate checked nothing for rule {rule.Id}", rule.Location));
            return produced.Select(f => f.RuleId == rule.Id
                ? new ReportedFinding(f, descriptor, rule.Enforcement, waiver)
                : EngineFinding(f)).ToList();
        }
        catch (GateInputException e)
        {
            return [EngineFinding(e.ToFinding(rule.Id))];
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return [EngineFinding(Finding.Error(EngineRules.GateCrashed.Id, rule.Id,
                $"the {gate.Kind} gate failed on rule {rule.Id}: {e.GetType().Name}: {e.Message}", rule.Location))];
        }
    }

    private static RuleDescriptor Describe(GatePolicy policy, PolicyRule rule, IGate gate) => new(
        rule.Id,
        gate.Kind,
        rule.Description ?? gate.Title,
        $"{gate.Title} {gate.Description}",
        $"{gate.Description} Declared in {policy.Document.Path} (policy {policy.Name} {policy.Version}), enforcement {Words(rule.Enforcement)}.",
        rule.Severity);

    private static string Words(Enforcement enforcement) => enforcement switch
    {
        Enforcement.Advisory => "advisory",
        Enforcement.SoftMandatory => "soft-mandatory",
        _ => "hard-mandatory",
    };

    private static ReportedFinding EngineFinding(Finding finding) =>
        new(finding, EngineRules.ById(finding.RuleId), Enforcement.HardMandatory, null);
}
