using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;
using static System.FormattableString;

namespace SecMLOps.Gates.StrideCoverage;

/// <summary>One run of the STRIDE coverage rules over one (consistent) threat model.</summary>
internal sealed class CoverageCheck(GateContext context, StrideCoverageSettings settings)
{
    private readonly ThreatModel _model = settings.Model;
    private readonly Dictionary<string, Control> _controls = settings.Model.Controls.ToDictionary(c => c.Id);
    private readonly Dictionary<string, string?> _evidenceProblems = [];
    private string RuleId => context.Rule.Id;
    private Enforcement UnstatedEnforcement => (Enforcement)Math.Min((int)settings.Unstated, (int)context.Rule.Enforcement);

    public IEnumerable<Finding> Run()
    {
        var findings = new List<Finding>();
        if (_model.Elements.All(e => e.OutOfScope))
            findings.Add(Finding.Failed(RuleId, $"{_model.Path}#scope", $"every element of {_model.Path} is out of scope: the threat model assesses nothing",
                _model.Elements.FirstOrDefault()?.Location ?? new SourceLocation(_model.Path, 1, 1)));
        foreach (var control in _model.Controls)
            findings.Add(CheckControl(control));
        foreach (var element in _model.Elements)
        {
            if (element.OutOfScope)
            {
                findings.Add(Finding.Skipped(RuleId, Subject(element), $"{Describe(element)} is out of scope", element.Location));
                continue;
            }
            findings.AddRange(UnstatedFlowEnds(element));
            foreach (var category in Stride.Applicable(element))
            {
                findings.Add(CheckPair(element, category));
                findings.AddRange(UnratedImpacts(element, category));
            }
        }
        return findings;
    }

    private Finding CheckPair(ModelElement element, char category)
    {
        var subject = $"{Subject(element)}/{category}";
        var assessments = element.Threats.Where(t => t.Category == category).ToList();
        if (assessments.Count == 0)
            return Finding.Failed(RuleId, subject, $"{Describe(element)}: {Stride.Name(category)} is not assessed", element.Location,
                new Dictionary<string, object> { ["category"] = category.ToString() });

        var problems = assessments.SelectMany(Problems).ToList();
        var worst = assessments.OrderByDescending(a => settings.RiskLevel.IsSerious(a)).First();
        var properties = new Dictionary<string, object>
        {
            ["category"] = category.ToString(),
            ["likelihood"] = worst.Likelihood.ToString(),
            ["impact"] = worst.Impact.Word(),
            ["status"] = worst.Status,
        };
        if (problems.Count > 0)
        {
            // The element's line first (where reviewers look for the pair), then the assessment that falls short.
            var assessment = assessments.First(a => Problems(a).Any()).Location;
            return new Finding(RuleId, Outcome.Failed, subject, $"{Describe(element)}: {Stride.Name(category)}: {string.Join("; ", problems)}",
                [element.Location, assessment], properties);
        }
        return Finding.Passed(RuleId, subject, $"{Describe(element)}: {Stride.Name(category)} assessed ({worst.Likelihood}/{worst.Impact.Word()}, {worst.Status})", worst.Location, properties);
    }

    /// <summary>An impact nobody rated is its own finding, whose enforcement the policy sets; the pair itself is judged as if it were severe.</summary>
    private IEnumerable<Finding> UnratedImpacts(ModelElement element, char category)
    {
        foreach (var assessment in element.Threats.Where(t => t.Category == category && t.Impact == Impact.NotRated).Take(1))
        {
            yield return new Finding(RuleId, Outcome.Failed, $"{Subject(element)}/{category}/impact",
                $"{Describe(element)}: {Stride.Name(category)}: the impact is not rated, so the pair is treated as serious" +
                (assessment.Rationale is { } why ? $" (rationale: {why.ReplaceLineEndings(" ")})" : "") + "; rate it once it is known",
                [assessment.Location], new Dictionary<string, object> { ["category"] = category.ToString(), ["likelihood"] = assessment.Likelihood.ToString() })
            {
                Enforcement = UnstatedEnforcement,
            };
        }
    }

    /// <summary>A data flow whose end is not given cannot be checked to connect the model's elements.</summary>
    private IEnumerable<Finding> UnstatedFlowEnds(ModelElement element)
    {
        if (element.Type != ElementType.DataFlow)
            yield break;
        foreach (var (end, target) in new[] { ("from", element.From), ("to", element.To) }.Where(e => e.Item2 is null))
            yield return new Finding(RuleId, Outcome.Failed, $"{Subject(element)}/{end}", $"{Describe(element)} has no '{end}' element: the model does not say what the flow connects", [element.Location])
            {
                Enforcement = UnstatedEnforcement,
            };
    }

    private IEnumerable<string> Problems(Assessment assessment)
    {
        // Imported formats without assessment dates (Threat Dragon) cannot be aged; ours requires the date.
        if (assessment.Assessed is { } assessed && context.Today.DayNumber - assessed.DayNumber > settings.MaxAgeDays)
            yield return Invariant($"assessed on {assessed:yyyy-MM-dd}, {context.Today.DayNumber - assessed.DayNumber} days ago (at most {settings.MaxAgeDays} allowed)");

        if (!settings.RiskLevel.IsSerious(assessment))
            yield break;
        var evidenced = assessment.Controls.Where(id => EvidenceProblem(_controls[id]) is null).ToList();
        var accepted = assessment.Status == "accepted" && assessment.Acceptance is { } acceptance && acceptance.Expires >= context.Today;
        if (evidenced.Count == 0 && !accepted)
        {
            var expired = assessment.Acceptance is { } a && a.Expires < context.Today ? Invariant($" (the acceptance by {a.Owner} expired on {a.Expires:yyyy-MM-dd})") : "";
            yield return $"likelihood {assessment.Likelihood}, impact {assessment.Impact.Word()} is at or above {settings.RiskLevel} " +
                $"but names no control backed by evidence and no unexpired acceptance{expired}";
        }
    }

    private Finding CheckControl(Control control)
    {
        var subject = $"{_model.Path}#control:{control.Id}";
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
        EvidenceKind.Rule => context.Policy.Rules.FirstOrDefault(r => r.Id == evidence.Value) switch
        {
            null => $"evidence rule {evidence.Value} is not a rule of policy {context.Policy.Name}",
            { Enforcement: Enforcement.Advisory } => $"evidence rule {evidence.Value} is advisory: it never blocks, so it cannot back a control",
            _ => context.StandingOf(evidence.Value) switch
            {
                RuleStanding.Passed => null,
                RuleStanding.JudgesRules => $"evidence rule {evidence.Value} checks a threat model itself, so it cannot back a control",
                RuleStanding.NotRun => $"evidence rule {evidence.Value} did not run in this evaluation (left out by --rule, or its outputs were refused), so it backs nothing",
                RuleStanding.NotBlocking => $"evidence rule {evidence.Value} is less severe than --fail-on: its failures do not block, so it cannot back a control",
                RuleStanding.Accepted => $"evidence rule {evidence.Value} failed and a waiver or the baseline accepted the failure; an accepted failure cannot back a control",
                _ => $"evidence rule {evidence.Value} did not pass in this evaluation",
            },
        },
        EvidenceKind.Waiver => context.Policy.Waivers.Any(w => w.RuleId == evidence.Value && w.Expires >= context.Today)
            ? null : $"evidence waiver for {evidence.Value} is not an unexpired waiver of policy {context.Policy.Name}",
        _ => FileProblem(evidence),
    };

    private string? FileProblem(Evidence evidence)
    {
        var directory = Path.GetDirectoryName(Path.Combine(context.Root.FullPath, _model.Path))!;
        var full = context.Root.Resolve(directory, evidence.Value, evidence.Location);
        if (!File.Exists(full))
            return Directory.Exists(full) ? $"evidence file {evidence.Value} is a folder, not a file" : $"evidence file {evidence.Value} does not exist";
        context.RecordInput(full);
        return null;
    }

    private string Subject(ModelElement element) => $"{_model.Path}#{element.Id}";

    private static string Describe(ModelElement element) =>
        $"{element.Id} ({element.Name.ReplaceLineEndings(" ")}, {element.Type.Words()})";
}
