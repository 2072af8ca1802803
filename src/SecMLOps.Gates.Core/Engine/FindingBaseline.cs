using System.Globalization;
using System.Text;
using Newtonsoft.Json.Linq;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Policies;

namespace SecMLOps.Gates.Engine;

/// <summary>
/// A baseline file (kind GateBaseline): findings accepted one by one, by fingerprint and message
/// (the failure as it was accepted, so that a worse one of the same subject fails), each with an
/// owner, a reason and an expiry, as a policy's waivers accept a whole rule. The same limits hold:
/// only failures of soft-mandatory rules are accepted (an error, or a hard-mandatory rule's failure,
/// blocks whatever the baseline says), and an expired entry is an error until renewed or removed.
/// An entry whose subject does not match its fingerprint is an error too: a reviewer reads the
/// subject, the gate matches the fingerprint, and the two must not say different things.
/// </summary>
public sealed class FindingBaseline
{
    public const string Kind = "GateBaseline";

    private readonly Dictionary<string, (string Message, Waiver Entry)> _accepted;

    private FindingBaseline(string path, Dictionary<string, (string, Waiver)> accepted) => (Path, _accepted) = (path, accepted);

    /// <summary>The baseline file, relative to the repository root.</summary>
    public string Path { get; }

    public IEnumerable<Waiver> Entries => _accepted.Values.Select(a => a.Entry);

    /// <summary>The entry accepting this very failure: same rule and subject, and the same message, so a worse result of the subject is not accepted.</summary>
    public Waiver? Accepting(Finding finding) =>
        _accepted.TryGetValue(finding.Fingerprint, out var accepted) && accepted.Message == finding.Message ? accepted.Entry : null;

    public static (FindingBaseline? Baseline, IReadOnlyList<Finding> Errors) Read(SourceDocument document, DateOnly today)
    {
        var errors = SchemaValidator.Validate(document, SchemaCatalog.Get(SchemaCatalog.Baseline)).ToList();
        if (errors.Count > 0)
            return (null, errors);
        var accepted = new Dictionary<string, (string, Waiver)>(StringComparer.Ordinal);
        foreach (var entry in (JArray)document.Root["spec"]!["accepted"]!)
        {
            var (rule, subject, fingerprint) = ((string)entry["rule"]!, (string)entry["subject"]!, (string)entry["fingerprint"]!);
            void Error(RuleDescriptor kind, string message, JToken at) => errors.Add(Finding.Error(kind.Id, document.Path, message, document.LocationOf(at)));
            if (!DateOnly.TryParseExact((string)entry["expires"]!, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var expires))
                Error(EngineRules.SchemaViolation, $"expires '{entry["expires"]}' is not a calendar date (YYYY-MM-DD)", entry["expires"]!);
            else if (expires < today)
                Error(EngineRules.WaiverExpired, $"the acceptance of {rule} '{subject}' (owner {entry["owner"]}) expired on {expires:yyyy-MM-dd}; renew or remove it", entry["expires"]!);
            if (new Finding(rule, Outcome.Failed, subject, "", []).Fingerprint != fingerprint)
                Error(EngineRules.PolicyInconsistent, $"the fingerprint does not belong to rule {rule} and subject '{subject}'; write the entry with `secmlops-gate baseline` rather than by hand", entry["fingerprint"]!);
            else if (!accepted.TryAdd(fingerprint, ((string)entry["message"]!,
                         new Waiver(rule, (string)entry["owner"]!, (string)entry["reason"]!, (string?)entry["ticket"], expires, document.LocationOf(entry)) { Baseline = document.Path })))
                Error(EngineRules.PolicyInconsistent, $"{rule} '{subject}' is accepted more than once; keep one entry", entry);
        }
        return errors.Count > 0 ? (null, errors) : (new FindingBaseline(document.Path, accepted), []);
    }

    /// <summary>A baseline accepting <paramref name="findings"/>, as YAML with a schema comment for editors.</summary>
    public static string Render(string name, IEnumerable<Finding> findings, string owner, string reason, string? ticket, DateOnly expires)
    {
        var text = new StringBuilder()
            .AppendLine("# yaml-language-server: $schema=https://secmlops.dev/schema/gate-baseline.v1.schema.json")
            .AppendLine("# Findings accepted one by one: each stops failing the gate until it expires. Review like a waiver.")
            .AppendLine("apiVersion: secmlops.gates/v1")
            .AppendLine("kind: GateBaseline")
            .AppendLine("metadata:")
            .AppendLine($"  name: {Quoted(name)}")
            .AppendLine("spec:");
        var entries = findings.DistinctBy(f => f.Fingerprint).OrderBy(f => f.RuleId, StringComparer.Ordinal).ThenBy(f => f.Subject, StringComparer.Ordinal).ToList();
        if (entries.Count == 0)
            return text.AppendLine("  accepted: []").ToString();
        text.AppendLine("  accepted:");
        foreach (var finding in entries)
        {
            text.AppendLine($"    - fingerprint: {finding.Fingerprint}")
                .AppendLine($"      rule: {Quoted(finding.RuleId)}")
                .AppendLine($"      subject: {Quoted(finding.Subject)}")
                .AppendLine($"      message: {Quoted(finding.Message)}")
                .AppendLine($"      owner: {Quoted(owner)}")
                .AppendLine($"      reason: {Quoted(reason)}");
            if (ticket is not null)
                text.AppendLine($"      ticket: {Quoted(ticket)}");
            text.AppendLine($"      expires: \"{expires:yyyy-MM-dd}\"");
        }
        return text.ToString();
    }

    // A JSON string is a YAML double-quoted scalar: no subject or reason can break the file's structure.
    private static string Quoted(string value) => Newtonsoft.Json.JsonConvert.ToString(value);
}
