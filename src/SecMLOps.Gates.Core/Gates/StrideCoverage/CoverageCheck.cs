using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Gates.StrideCoverage;

/// <summary>One run of the STRIDE coverage rules over one threat model.</summary>
internal sealed class CoverageCheck(GateContext context, ThreatModel model, RiskLevel riskLevel, int maxAgeDays)
{
    private readonly Dictionary<string, Control> _controls = model.Controls.DistinctBy(c => c.Id).ToDictionary(c => c.Id);
    private readonly Dictionary<string, string?> _evidenceProblems = [];
    private string RuleId => context.Rule.Id;

    public IEnumerable<Finding> Run()
    {
        var findings = new List<Finding>();
        findings.AddRange(CheckUniqueIds());
        foreach (var control in model.Controls.DistinctBy(c => c.Id))
            findings.Add(CheckControl(control));
        var ids = model.Elements.Select(e => e.Id).ToHashSet();
        foreach (var element in model.Elements.DistinctBy(e => e.Id))
        {
            if (element.OutOfScope)
            {
                findings.Add(Finding.Skipped(RuleId, Subject(element), $"{Describe(element)} is out of scope", element.Location));
                continue;
            }
            findings.AddRange(CheckFlowEnds(element, ids));
            foreach (var category in Stride.Applicable(element))
                findings.Add(CheckPair(element, category));
        }
        return findings;
    }

    private IEnumerable<Finding> CheckUniqueIds()
    {
        foreach (var group in model.Elements.GroupBy(e => e.Id).Where(g => g.Count() > 1))
            yield return Finding.Failed(RuleId, $"{model.Path}#{group.Key}", $"element id {group.Key} is used {group.Count()} times", group.Last().Location);
        foreach (var group in model.Controls.GroupBy(c => c.Id).Where(g => g.Count() > 1))
            yield return Finding.Failed(RuleId, $"{model.Path}#{group.Key}", $"control id {group.Key} is declared {group.Count()} times", group.Last().Location);
    }

    private IEnumerable<Finding> CheckFlowEnds(ModelElement element, HashSet<string> ids)
    {
        if (element.Type != ElementType.DataFlow)
            yield break;
        foreach (var (end, target) in new[] { ("from", element.From), ("to", element.To) })
        {
            if (target is null)
                yield return Finding.Failed(RuleId, $"{Subject(element)}/{end}", $"{Describe(element)} has no '{end}' element", element.Location);
            else if (!ids.Contains(target))
                yield return Finding.Failed(RuleId, $"{Subject(element)}/{end}", $"{Describe(element)} names '{target}' as '{end}', which is not an element of the model", element.Location);
        }
    }

    private Finding CheckPair(ModelElement element, char category)
    {
        var subject = $"{Subject(element)}/{category}";
        var assessments = element.Threats.Where(t => t.Category == category).ToList();
        if (assessments.Count == 0)
            return Finding.Failed(RuleId, subject, $"{Describe(element)}: {Stride.Name(category)} is not assessed", element.Location,
                new Dictionary<string, object> { ["category"] = category.ToString() });

        var problems = assessments.SelectMany(Problems).ToList();
        var worst = assessments.OrderByDescending(a => riskLevel.IsSerious(a)).First();
        var properties = new Dictionary<string, object>
        {
            ["category"] = category.ToString(),
            ["likelihood"] = worst.Likelihood.ToString(),
            ["impact"] = worst.Impact.ToString().ToLowerInvariant(),
            ["status"] = worst.Status,
        };
        if (problems.Count > 0)
        {
            // The element's line first (where reviewers look for the pair), then the assessment that falls short.
            var assessment = assessments.First(a => Problems(a).Any()).Location;
            return new Finding(RuleId, Outcome.Failed, subject, $"{Describe(element)}: {Stride.Name(category)}: {string.Join("; ", problems)}",
                [element.Location, assessment], properties);
        }
        return Finding.Passed(RuleId, subject, $"{Describe(element)}: {Stride.Name(category)} assessed ({worst.Likelihood}/{worst.Impact.ToString().ToLowerInvariant()}, {worst.Status})", worst.Location, properties);
    }

    private IEnumerable<string> Problems(Assessment assessment)
    {
        // Imported formats without assessment dates (Threat Dragon) cannot be aged; ours requires the date.
        if (assessment.Assessed is { } assessed && context.Today.DayNumber - assessed.DayNumber > maxAgeDays)
            yield return $"assessed on {assessed:yyyy-MM-dd}, {context.Today.DayNumber - assessed.DayNumber} days ago (at most {maxAgeDays} allowed)";

        foreach (var id in assessment.Controls.Where(id => !_controls.ContainsKey(id)))
            yield return $"control {id} is not declared in the threat model";

        if (!riskLevel.IsSerious(assessment))
            yield break;
        var evidenced = assessment.Controls.Where(id => _controls.ContainsKey(id) && EvidenceProblem(_controls[id]) is null).ToList();
        var accepted = assessment.Status == "accepted" && assessment.Acceptance is { } acceptance && acceptance.Expires >= context.Today;
        if (evidenced.Count == 0 && !accepted)
        {
            var expired = assessment.Acceptance is { } a && a.Expires < context.Today ? $" (the acceptance by {a.Owner} expired on {a.Expires:yyyy-MM-dd})" : "";
            yield return $"likelihood {assessment.Likelihood}, impact {assessment.Impact.ToString().ToLowerInvariant()} is at or above {riskLevel} " +
                $"but names no control backed by evidence and no unexpired acceptance{expired}";
        }
    }

    private Finding CheckControl(Control control)
    {
        var subject = $"{model.Path}#control:{control.Id}";
        return EvidenceProblem(control) is { } problem
            ? Finding.Failed(RuleId, subject, $"control {control.Id}: {problem}", control.Location)
            : Finding.Passed(RuleId, subject, $"control {control.Id} is backed by {control.Evidence.Count} piece(s) of evidence", control.Location);
    }

    private string? EvidenceProblem(Control control)
    {
        if (_evidenceProblems.TryGetValue(control.Id, out var cached))
            return cached;
        var problem = control.Evidence.Count == 0
            ? "no evidence is named (a policy rule, a file or a waiver)"
            : control.Evidence.Select(Check).FirstOrDefault(p => p is not null);
        _evidenceProblems[control.Id] = problem;
        return problem;
    }

    private string? Check(Evidence evidence) => evidence.Kind switch
    {
        EvidenceKind.Rule => context.Policy.Rules.Any(r => r.Id == evidence.Value)
            ? null : $"evidence rule {evidence.Value} is not a rule of policy {context.Policy.Name}",
        EvidenceKind.Waiver => context.Policy.Waivers.Any(w => w.RuleId == evidence.Value && w.Expires >= context.Today)
            ? null : $"evidence waiver for {evidence.Value} is not an unexpired waiver of policy {context.Policy.Name}",
        _ => FileProblem(evidence),
    };

    private string? FileProblem(Evidence evidence)
    {
        var directory = Path.GetDirectoryName(Path.Combine(context.Root.FullPath, model.Path))!;
        var full = context.Root.Resolve(directory, evidence.Value, evidence.Location);
        if (!File.Exists(full))
            return $"evidence file {evidence.Value} does not exist";
        context.RecordInput(full);
        return null;
    }

    private string Subject(ModelElement element) => $"{model.Path}#{element.Id}";

    private static string Describe(ModelElement element) =>
        $"{element.Id} ({element.Name.ReplaceLineEndings(" ")}, {element.Type.Words()})";
}
