using SecMLOps.Gates.Data;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Engine;

/// <summary>What to evaluate: policy files or folders holding them, the repository, and the date to judge expiries by.</summary>
public sealed record EvaluationRequest(IReadOnlyList<string> Paths, RepositoryRoot Root, DateOnly Today, TextWriter? Progress = null)
{
    /// <summary>The report files the front end will write: they get the same checks as a gate's outputs.</summary>
    public IReadOnlyList<string> ReportOutputs { get; init; } = [];

    /// <summary>Run only these rules (every rule when null); the others are left out of the report.</summary>
    public IReadOnlySet<string>? RuleIds { get; init; }

    /// <summary>The least severity whose failures block; failures of less severe rules are reported as warnings.</summary>
    public Severity FailOn { get; init; } = Severity.Low;

    /// <summary>A baseline file (kind GateBaseline) of accepted findings, or null.</summary>
    public string? Baseline { get; init; }

    /// <summary>Where rules' results are kept between runs (see <see cref="VerdictCache"/>), or null.</summary>
    public VerdictCache? Cache { get; init; }

    /// <summary>Runs the rules of gates that run model code in a separate, confined process; null runs them here.</summary>
    public IRuleWorker? Worker { get; init; }

    /// <summary>
    /// Evaluate one shard (<c>--shard I/N</c>): shardable rules run on their share of the samples, other
    /// rules whole in shard 1 (rules that judge other rules wait for the merge); the report holds
    /// each rule's part and only the errors, and no rule's file is written.
    /// </summary>
    public Shard? Shard { get; init; }

    /// <summary>Merge the shards' parts instead of running the rules they ran (<c>merge</c>).</summary>
    public ShardedEvaluation? Merging { get; init; }
}

/// <summary>
/// The one engine behind the CLI, the MSBuild task and the action. It loads each policy (which binds
/// every rule's settings), refuses outputs that would overwrite an input, runs each rule through its
/// gate, turns every exception into an error finding (so nothing fails open), applies waivers and
/// enforcement, and orders the result deterministically.
/// </summary>
public sealed class GateEngine(GateRegistry gates)
{
    public EvaluationReport Evaluate(EvaluationRequest request)
    {
        var findings = new List<ReportedFinding>();
        var loaded = LoadPolicies(request, findings);
        findings.AddRange(UnknownSelectedRules(request, loaded));
        var baseline = LoadBaseline(request, findings);
        var outputs = OutputsAllowed(request, loaded);
        var refusedReports = RefuseReports(request, outputs, findings);
        var run = RunRules(request, loaded, baseline, outputs, findings);
        var report = new EvaluationReport(
            loaded.Summaries,
            findings.OrderBy(f => f.Finding.Locations.FirstOrDefault()?.Path, StringComparer.Ordinal)
                .ThenBy(f => f.Finding.Locations.FirstOrDefault()?.Line)
                .ThenBy(f => f.Finding.Locations.FirstOrDefault()?.Column)
                .ThenBy(f => f.Finding.RuleId, StringComparer.Ordinal)
                .ThenBy(f => f.Finding.Subject, StringComparer.Ordinal)
                .ThenBy(f => f.Finding.Message, StringComparer.Ordinal)
                .ToList(),
            run.Rules.Values.Concat(findings.Select(f => f.Rule)).DistinctBy(r => r.Id).OrderBy(r => r.Id, StringComparer.Ordinal).ToList(),
            run.Inputs.Digest(request.Root, run.Integrity))
        {
            Sections = run.Sections,
            RefusedOutputs = refusedReports,
            ValidUntil = run.ValidUntil,
            Parts = run.Parts,
        };
        // What the rules wrote is kept only when the verdict stands (an error leaves no half-made
        // files), and never by a shard: the merge writes them.
        if (report.Verdict is not (Verdict.Passed or Verdict.Failed) || request.Shard is not null)
        {
            run.Staged.Discard();
            return report;
        }
        return report with { Outputs = run.Staged.Commit().Select(request.Root.Relative).Order(StringComparer.Ordinal).ToList() };
    }

    /// <summary>A misspelt --rule would otherwise run nothing and pass.</summary>
    private IEnumerable<ReportedFinding> UnknownSelectedRules(EvaluationRequest request, LoadedPolicies loaded)
    {
        if (request.RuleIds is not { } selected || loaded.Summaries.Count == 0)
            return [];
        var declared = loaded.Policies.SelectMany(p => p.Rules).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        return selected.Where(id => !declared.Contains(id)).Order(StringComparer.Ordinal)
            .Select(unknown => EngineFinding(Finding.Error(EngineRules.InputMissing.Id, unknown, $"--rule {unknown}: no rule with this id in the given policies",
                new SourceLocation(loaded.Summaries[0].Path, 0, 0))))
            .ToList();
    }

    /// <summary>Where nothing may be written: every document, baseline, rule input and declared file.</summary>
    private static OutputCheck OutputsAllowed(EvaluationRequest request, LoadedPolicies loaded)
    {
        var outputs = new OutputCheck(request.Root, loaded.Documents.Select(d => d.FullPath));
        if (request.Baseline is not null)
            outputs.AddInput(Path.GetFullPath(request.Baseline));
        foreach (var policy in loaded.Policies)
        {
            outputs.AddInput(policy.FullPath);
            foreach (var rule in policy.Rules)
                foreach (var input in rule.Inputs.Concat(DeclaredFiles(policy).Select(d => d.Path)))
                    outputs.AddInput(input);
        }
        return outputs;
    }

    /// <summary>The report files the request names that would overwrite an input: each an error, and none of them written.</summary>
    private HashSet<string> RefuseReports(EvaluationRequest request, OutputCheck outputs, List<ReportedFinding> findings)
    {
        var refused = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in request.ReportOutputs)
        {
            if (outputs.Problem(Path.GetFullPath(file)) is not { } problem)
                continue;
            refused.Add(file);
            var named = request.Root.Contains(file) ? request.Root.Relative(file) : file;
            findings.Add(EngineFinding(Finding.Error(EngineRules.OutputRefused.Id, named, $"report file {named} {problem}; nothing was written", new SourceLocation(named, 0, 0))));
        }
        return refused;
    }

    /// <summary>What running the rules left besides their findings: the rules run, what they read, the files they staged, their report sections and how long the result holds.</summary>
    private sealed record RulesRun(IReadOnlyDictionary<string, RuleDescriptor> Rules, EvaluationInputs Inputs, DatasetIntegrity Integrity, StagedOutputs Staged,
        IReadOnlyList<RuleReportSection> Sections, DateOnly? ValidUntil, IReadOnlyList<RulePart> Parts);

    /// <summary>
    /// Runs the selected rules in order, rules that judge other rules last (every standing they read is
    /// then final), each with its outputs checked first; applies the baseline to what they found.
    /// </summary>
    private RulesRun RunRules(EvaluationRequest request, LoadedPolicies loaded, FindingBaseline? baseline, OutputCheck outputs, List<ReportedFinding> findings)
    {
        var inputs = new EvaluationInputs();
        var integrity = new DatasetIntegrity();
        var staged = new StagedOutputs();
        var rules = new Dictionary<string, RuleDescriptor>(StringComparer.Ordinal);
        var sections = new List<RuleReportSection>();
        var parts = new List<RulePart>();
        var validUntil = loaded.Policies.SelectMany(p => p.Waivers).Concat(baseline?.Entries ?? [])
            .Select(w => (DateOnly?)w.Expires).DefaultIfEmpty(null).Min();
        if (baseline is not null)
            inputs.Add(baseline.Path, "baseline");
        foreach (var policy in loaded.Policies)
            inputs.Add(policy.Document.Path, "policy");
        var ruleOrder = loaded.Policies.SelectMany(p => p.Rules).Select(r => r.Id).ToList();
        var ordered = loaded.Policies.SelectMany(p => p.Rules.Select(r => (Policy: p, Rule: r)))
            .OrderBy(x => gates.Find(x.Rule.Kind)!.Descriptor.JudgesOtherRules).ToList();
        var standings = ordered.ToDictionary(x => x.Rule.Id,
            x => gates.Find(x.Rule.Kind)!.Descriptor.JudgesOtherRules ? RuleStanding.JudgesRules : RuleStanding.NotRun, StringComparer.Ordinal);
        var running = ordered.Where(x => request.RuleIds is not { } only || only.Contains(x.Rule.Id)).ToList();
        foreach (var ((policy, rule), index) in running.Select((x, i) => (x, i)))
        {
            var position = $"rule {index + 1} of {running.Count}";
            var refused = rule.Outputs.Select(o => (o, outputs.Problem(o.FullPath))).Where(p => p.Item2 is not null).ToList();
            if (refused.Count > 0)
            {
                findings.AddRange(refused.Select(p => EngineFinding(Finding.Error(EngineRules.OutputRefused.Id, rule.Id,
                    $"{request.Root.Relative(p.o.FullPath)} {p.Item2}; rule {rule.Id} was not run and wrote nothing", p.o.Location))));
                continue;
            }
            var (produced, section, until) = EvaluateRule(policy, rule, request, inputs, integrity, staged, rules, id => standings.GetValueOrDefault(id, RuleStanding.NotRun), position, parts);
            var reported = produced.Select(f => Accept(f, baseline) with { FailOn = request.FailOn }).ToList();
            findings.AddRange(reported);
            if (standings[rule.Id] != RuleStanding.JudgesRules)
                standings[rule.Id] = Standing(rule, reported, request.FailOn);
            if (section is not null)
                sections.Add(new RuleReportSection(rule.Id, section));
            if (until is { } day && (validUntil is null || day < validUntil))
                validUntil = day;
        }
        return new RulesRun(rules, inputs, integrity, staged, sections.OrderBy(s => ruleOrder.IndexOf(s.RuleId)).ToList(), validUntil, parts);
    }

    private sealed record LoadedPolicies(List<GatePolicy> Policies, List<EvaluatedPolicy> Summaries, IReadOnlyList<DiscoveredDocument> Documents);

    /// <summary>Loads every policy; rule ids must be unique across all of them, or none of the clashing policies runs.</summary>
    private LoadedPolicies LoadPolicies(EvaluationRequest request, List<ReportedFinding> findings)
    {
        var loader = new PolicyLoader(request.Root, gates, request.Today);
        var (documents, discoveryErrors) = new DocumentDiscovery(gates).Discover(request.Paths, request.Root);
        findings.AddRange(discoveryErrors.Select(EngineFinding));
        var policyFiles = documents.Where(d => d.Kind == GateRegistry.GatePolicyKind).Select(d => d.FullPath).ToList();
        if (policyFiles.Count == 0 && discoveryErrors.Count == 0)
        {
            var named = string.Join(" ", request.Paths.Select(p => request.Root.Contains(Path.GetFullPath(p)) ? request.Root.Relative(Path.GetFullPath(p)) : p));
            var others = documents.Select(d => $"{request.Root.Relative(d.FullPath)} is a {d.Kind}").ToList();
            findings.Add(EngineFinding(Finding.Error(EngineRules.InputMissing.Id, named,
                $"no policy files found{(others.Count > 0 ? $" ({string.Join("; ", others)}: evaluate names policies, and policies name their threat models)" : "")}", new SourceLocation(named, 0, 0))));
        }

        var policies = new List<GatePolicy>();
        var summaries = new List<EvaluatedPolicy>();
        foreach (var file in policyFiles)
        {
            var result = loader.Load(file);
            if (result.Policy is not { } policy)
            {
                summaries.Add(new EvaluatedPolicy(request.Root.Contains(file) ? request.Root.Relative(file) : file, null, null));
                findings.AddRange(result.Errors.Select(EngineFinding));
                continue;
            }
            summaries.Add(new EvaluatedPolicy(policy.Document.Path, policy.Name, policy.Version));
            policies.Add(policy);
        }

        var ruleIds = new RuleIds();
        var clashing = new HashSet<GatePolicy>();
        foreach (var policy in policies)
        {
            var clashes = ruleIds.Declare(policy.Document.Path, policy.Rules);
            if (clashes.Count > 0)
                clashing.Add(policy);
            findings.AddRange(clashes.Select(EngineFinding));
        }
        return new LoadedPolicies(policies.Where(p => !clashing.Contains(p)).ToList(), summaries, documents);
    }

    /// <summary>Reads the baseline the request names; its errors are the evaluation's (an unreadable baseline accepts nothing and fails the run).</summary>
    private FindingBaseline? LoadBaseline(EvaluationRequest request, List<ReportedFinding> findings)
    {
        if (request.Baseline is not { } path)
            return null;
        var full = Path.GetFullPath(path);
        var named = request.Root.Contains(full) ? request.Root.Relative(full) : path;
        var at = new SourceLocation(named, 0, 0);
        if (!request.Root.Contains(full))
        {
            findings.Add(EngineFinding(Finding.Error(EngineRules.PathRefused.Id, named, $"the baseline {path} lies outside the repository root {request.Root.FullPath}", at)));
            return null;
        }
        if (!File.Exists(full))
        {
            findings.Add(EngineFinding(Finding.Error(EngineRules.InputMissing.Id, named, $"no such baseline file: {named}", at)));
            return null;
        }
        try
        {
            var document = SourceDocument.Load(full, named);
            if ((string?)document.Root["kind"] is { } kind && kind != FindingBaseline.Kind)
            {
                findings.Add(EngineFinding(Finding.Error(EngineRules.SchemaViolation.Id, named, $"{named} is a {kind}, not a {FindingBaseline.Kind}", document.LocationOf(document.Root["kind"]!))));
                return null;
            }
            var (baseline, errors) = FindingBaseline.Read(document, request.Today);
            findings.AddRange(errors.Select(EngineFinding));
            return baseline;
        }
        catch (GateInputException e)
        {
            findings.Add(EngineFinding(e.ToFinding(named)));
            return null;
        }
    }

    /// <summary>A failure the baseline accepts carries its entry as a waiver (which counts only under soft-mandatory enforcement).</summary>
    private static ReportedFinding Accept(ReportedFinding finding, FindingBaseline? baseline) =>
        finding.Waiver is null && finding.Outcome == Outcome.Failed && baseline?.Accepting(finding.Finding) is { } entry && entry.RuleId == finding.Rule.Id
            ? finding with { Waiver = entry }
            : finding;

    /// <summary>Only a rule that could block and blocked nothing is evidence; an error anywhere in the run counts against the rule it names.</summary>
    private static RuleStanding Standing(PolicyRule rule, IReadOnlyList<ReportedFinding> reported, Severity failOn) =>
        rule.Enforcement == Enforcement.Advisory || rule.Severity < failOn ? RuleStanding.NotBlocking
        : reported.Any(f => f.Blocks) ? RuleStanding.Failed
        : reported.Any(f => f.Outcome is Outcome.Failed or Outcome.Error) ? RuleStanding.Accepted
        : RuleStanding.Passed;

    private static IEnumerable<(string Path, string Role)> DeclaredFiles(GatePolicy policy) =>
        new[] { (policy.Model?.Path, "model"), (policy.Model?.Baseline?.Path, "baseline model") }
            .Where(m => m.Item1 is not null).Select(m => (m.Item1!, m.Item2))
            .Concat(policy.Datasets.Values.SelectMany(d => d.Files.Select(f => (f, $"dataset {d.Name}"))));

    private (IReadOnlyList<ReportedFinding> Findings, string? Section, DateOnly? ValidUntil) EvaluateRule(GatePolicy policy, PolicyRule rule, EvaluationRequest request,
        EvaluationInputs inputs, DatasetIntegrity integrity, StagedOutputs staged, Dictionary<string, RuleDescriptor> rules, Func<string, RuleStanding> standings, string position,
        List<RulePart> parts)
    {
        var gate = gates.Find(rule.Kind)!;
        var descriptor = Describe(policy, rule, gate.Descriptor);
        rules[rule.Id] = descriptor;
        foreach (var input in rule.Inputs)
            inputs.Add(request.Root.Relative(input));
        // Whatever the gate reads of them, the policy's model and datasets are inputs of every rule it
        // runs: a gate that forgot to record one would let the build skip it after a change.
        foreach (var (path, role) in DeclaredFiles(policy))
            inputs.Add(request.Root.Relative(path), role);
        var waiver = policy.Waivers.FirstOrDefault(w => w.RuleId == rule.Id);
        var progress = request.Progress ?? TextWriter.Null;
        var declared = rule.Inputs.Concat(DeclaredFiles(policy).Select(d => d.Path)).ToList();
        if (request.Shard is { } shard)
        {
            if (!gate.Descriptor.Shardable && (!shard.IsFirst || gate.Descriptor.JudgesOtherRules))
                return ([], null, null);
            var share = gate.Descriptor.Shardable ? shard : null;
            var key = VerdictCache.Key(policy, rule, gate, request.Root, declared, integrity);
            progress.WriteLine($"{rule.Id} ({position}): {(share is null ? "whole, in shard 1 (its gate does not split its samples)" : $"shard {share} of its samples")}");
            var part = gate.Descriptor.RunsModelCode && request.Worker is { } shardWorker
                ? RunInWorker(shardWorker, policy, rule, request, position, share)
                : RunInProcess(gate, policy, rule, request, integrity, staged, standings, position, captureOutputs: true, share);
            parts.Add(new RulePart(rule.Id, key, part));
            // A shard reports only its errors: the verdict is the merge's.
            return (Accept(part with { Findings = part.Findings.Where(f => f.Outcome == Outcome.Error).ToList() }, stage: false).Item1, null, null);
        }
        if (request.Merging is { } merging && !gate.Descriptor.JudgesOtherRules)
        {
            var (merged, stage) = ShardMerge.Rule(merging, gate, rule, VerdictCache.Key(policy, rule, gate, request.Root, declared, integrity), request.Root, integrity,
                runs => RunInProcess(gate, policy, rule, request, integrity, staged, standings, position, captureOutputs: false, null,
                    context => gate.Merge(context, rule.Settings, runs)));
            return Accept(merged, stage);
        }
        var cacheKey = request.Cache is not null && gate.Descriptor.Cacheable
            ? VerdictCache.Key(policy, rule, gate, request.Root, declared, integrity)
            : null;
        if (cacheKey is not null)
        {
            var (hit, miss) = request.Cache!.Find(cacheKey, request.Root, integrity);
            if (hit is not null)
            {
                progress.WriteLine($"{rule.Id} ({position}): result from the verdict cache (entry {cacheKey[..12]}): the tool, the policy and every input are unchanged");
                return Accept(hit, stage: true);
            }
            progress.WriteLine($"{rule.Id} ({position}): not in the verdict cache ({miss}); evaluating");
        }

        // Only gates that run model code go to the worker; what it wrote comes back as bytes to stage here.
        var worker = gate.Descriptor.RunsModelCode ? request.Worker : null;
        RuleRun run;
        if (worker is not null)
        {
            progress.WriteLine($"{rule.Id} ({position}): the model runs in a separate process, {worker.Confinement}");
            run = RunInWorker(worker, policy, rule, request, position, null);
        }
        else
        {
            run = RunInProcess(gate, policy, rule, request, integrity, staged, standings, position, captureOutputs: cacheKey is not null, null);
        }
        if (cacheKey is not null && run.Findings.All(f => f.Outcome != Outcome.Error) && run.Inputs.All(i => i.Sha256 is not null)
            && request.Cache!.Store(cacheKey, run) is { } problem)
            progress.WriteLine($"{rule.Id} ({position}): {problem}");
        return Accept(run, stage: worker is not null);

        (IReadOnlyList<ReportedFinding>, string?, DateOnly?) Accept(RuleRun accepted, bool stage)
        {
            foreach (var input in accepted.Inputs)
                inputs.Add(input.Path, input.Role);
            if (stage)
                foreach (var (path, bytes) in accepted.Outputs)
                    staged.Stage(Path.Combine(request.Root.FullPath, path), temporary => File.WriteAllBytes(temporary, bytes));
            return (accepted.Findings.Select(f => f.RuleId == rule.Id
                ? new ReportedFinding(f, descriptor, f.Enforcement ?? rule.Enforcement, waiver)
                : EngineFinding(f)).ToList(), accepted.Section, accepted.ValidUntil);
        }
    }

    /// <summary>
    /// Runs one rule here: its findings (an exception becomes an error finding, so nothing fails open),
    /// the files it recorded with their digests and, when asked, the bytes of the files it staged.
    /// </summary>
    /// <param name="evaluate">What to run in place of the gate's evaluation (the merge of shards' parts); null evaluates the rule.</param>
    private static RuleRun RunInProcess(IGate gate, GatePolicy policy, PolicyRule rule, EvaluationRequest request, DatasetIntegrity integrity, StagedOutputs staged,
        Func<string, RuleStanding> standings, string position, bool captureOutputs, Shard? shard, Func<GateContext, GateResult>? evaluate = null)
    {
        var recorded = new EvaluationInputs();
        var stagedBefore = staged.Count;
        var context = new GateContext(policy, rule, request.Root, request.Today, recorded, integrity, staged, request.Progress ?? TextWriter.Null, standings, position)
        {
            Shard = shard,
        };
        List<Finding> produced;
        string? section = null;
        DateOnly? validUntil = null;
        string? part = null;
        try
        {
            var result = evaluate is null ? gate.Evaluate(context, rule.Settings) : evaluate(context);
            (produced, section, validUntil, part) = (result.Findings.ToList(), result.ReportSection, result.ValidUntil, result.Part);
            if (shard is not null && part is null)
                produced.Add(Finding.Error(EngineRules.GateCrashed.Id, rule.Id, $"the {rule.Kind} gate returned no part of shard {shard} for rule {rule.Id}", rule.Location));
            else if (part is null && produced.Count == 0)
                produced.Add(Finding.Error(EngineRules.GateCrashed.Id, rule.Id, $"the {rule.Kind} gate checked nothing for rule {rule.Id}", rule.Location));
            else if (part is null && produced.All(f => f.Outcome is Outcome.Skipped or Outcome.Informational))
                produced.Add(Finding.Error(EngineRules.InputMissing.Id, rule.Id, $"rule {rule.Id} decided nothing: every one of its checks was skipped or informational", rule.Location));
        }
        catch (GateInputException e)
        {
            produced = [e.ToFinding(rule.Id)];
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            produced = [Finding.Error(EngineRules.GateCrashed.Id, rule.Id,
                $"the {rule.Kind} gate failed on rule {rule.Id} ({e.GetType().Name}: {e.Message}); this is a defect of the tool, please report it", rule.Location)];
        }
        var outputs = captureOutputs
            ? staged.Since(stagedBefore).Select(s => (request.Root.Relative(s.Target), File.ReadAllBytes(s.Temporary))).ToList()
            : [];
        return new RuleRun(produced, section, validUntil, recorded.Digest(request.Root, integrity), outputs) { Part = part };
    }

    /// <summary>A worker that fails to answer is an error of the rule, never a pass.</summary>
    private static RuleRun RunInWorker(IRuleWorker worker, GatePolicy policy, PolicyRule rule, EvaluationRequest request, string position, Shard? shard)
    {
        try
        {
            return worker.Run(new RuleWorkerRequest(policy.FullPath, rule.Id, request.Root, request.Today, position) { Shard = shard }, request.Progress ?? TextWriter.Null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new RuleRun([Finding.Error(EngineRules.GateCrashed.Id, rule.Id,
                $"the process that runs rule {rule.Id}'s model failed ({e.Message}); nothing is concluded", rule.Location)], null, null, [], []);
        }
    }

    /// <summary>
    /// The worker's side of <see cref="IRuleWorker"/>: loads the policy the parent named and runs that
    /// one rule here, with its outputs staged under <paramref name="scratch"/> and returned as bytes.
    /// </summary>
    public RuleRun RunOneRule(EvaluationRequest request, string ruleId, string scratch, string position, Shard? shard)
    {
        var errors = new List<ReportedFinding>();
        var loaded = LoadPolicies(request, errors);
        if (errors.Count > 0)
            throw new InvalidOperationException($"the policy no longer loads as it did: {errors[0].Finding.Message}");
        var (policy, rule) = loaded.Policies.SelectMany(p => p.Rules.Select(r => (Policy: p, Rule: r))).SingleOrDefault(x => x.Rule.Id == ruleId);
        if (rule is null)
            throw new InvalidOperationException($"the policy no longer holds rule {ruleId}");
        var staged = new StagedOutputs(scratch);
        return RunInProcess(gates.Find(rule.Kind)!, policy, rule, request, new DatasetIntegrity(), staged, _ => RuleStanding.NotRun, position, captureOutputs: true, shard);
    }

    private static RuleDescriptor Describe(GatePolicy policy, PolicyRule rule, GateDescriptor gate) => new(
        rule.Id,
        gate.Kind,
        rule.Description ?? gate.Title,
        $"{gate.Title} {gate.Description}",
        $"{gate.Description} Declared in {policy.Document.Path} (policy {policy.Name} {policy.Version}), enforcement {Enforcements.Words.Word(rule.Enforcement)}. See {gate.HelpPath}.",
        rule.Severity,
        ToolInfo.DocumentationUri(gate.HelpPath));

    /// <summary>An error the engine or a gate reports under one of its diagnostics: it always blocks.</summary>
    private ReportedFinding EngineFinding(Finding finding) =>
        new(finding, gates.Diagnostic(finding.RuleId), Enforcement.HardMandatory, null);
}
