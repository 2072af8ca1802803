using System.Security.Cryptography;
using System.Text.Json;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Provenance.Sigstore;

namespace SecMLOps.Gates.Provenance.Lineage;

/// <summary>
/// The signed lineage statement: its signature (pinned key), its subjects against every artifact on
/// disk (all of them, both ways), its dataset digests against the policy's datasets, and its required fields.
/// </summary>
internal sealed class LineageCheck(GateContext context, LineageSpec settings, IReadOnlyList<string> artifacts)
{
    private string RuleId => context.Rule.Id;
    private SourceLocation At => settings.Location;

    public IEnumerable<Finding> Run()
    {
        var key = settings.Key;
        LineageStatement statement;
        try
        {
            statement = LineageStatement.Parse(DsseEnvelopes.Verify(InputFiles.ReadAllText(settings.StatementPath, InputLimits.DocumentBytes), DsseEnvelopes.InTotoPayloadType, key));
        }
        catch (VerificationFailure failure)
        {
            return [Finding.Failed(RuleId, "lineage/signature", $"the lineage statement fails verification at step {failure.Step}: {failure.Reason}", At)];
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or NullReferenceException)
        {
            return [Finding.Failed(RuleId, "lineage/signature", $"the signed payload is not a lineage statement: {e.Message}", At)];
        }

        return
        [
            Finding.Passed(RuleId, "lineage/signature", $"the lineage statement is signed with the pinned key {DsseEnvelopes.KeyId(key)[..16]}...", At),
            Subjects(statement),
            Datasets(statement),
            Fields(statement),
        ];
    }

    private Finding Subjects(LineageStatement statement)
    {
        var problems = new List<string>();
        var onDisk = artifacts.ToDictionary(a => Path.GetFileName(a), LineageStatement.Digest);
        foreach (var (name, digest) in onDisk)
        {
            if (!statement.Subjects.TryGetValue(name, out var signed))
                problems.Add($"{name} is not a subject of the statement");
            else if (signed != digest)
                problems.Add($"{name}: the statement says sha256 {signed}, the file has {digest}");
        }
        problems.AddRange(statement.Subjects.Keys.Where(s => !onDisk.ContainsKey(s)).Select(s => $"subject {s} is not among the rule's artifacts"));
        return problems.Count == 0
            ? Finding.Passed(RuleId, "lineage/subjects", $"all {onDisk.Count} artifacts are the statement's subjects, with matching sha256", At)
            : Finding.Failed(RuleId, "lineage/subjects", $"the lineage does not describe the artifacts on disk: {string.Join("; ", problems)}", At);
    }

    private Finding Datasets(LineageStatement statement)
    {
        var problems = new List<string>();
        foreach (var (name, (digest, labelsDigest)) in statement.Datasets)
        {
            if (!context.Policy.Datasets.TryGetValue(name, out var dataset))
            {
                problems.Add($"dataset {name} of the lineage is not declared in the policy");
                continue;
            }
            foreach (var (file, expected) in new[] { (dataset.Path, digest), (dataset.LabelsPath, labelsDigest) })
            {
                if (file is null && expected is null) continue;
                if (file is null || expected is null)
                {
                    problems.Add($"dataset {name}: the lineage and the policy disagree on whether it has a labels file");
                    continue;
                }
                var actual = LineageStatement.Digest(file);
                context.RecordInput(file);
                if (actual != expected)
                    problems.Add($"dataset {name}: the lineage says sha256 {expected}, {context.Root.Relative(file)} has {actual}");
            }
        }
        return problems.Count == 0
            ? Finding.Passed(RuleId, "lineage/datasets", $"the {statement.Datasets.Count} datasets of the lineage match the policy's files", At)
            : Finding.Failed(RuleId, "lineage/datasets", $"the model was not trained on the policy's data: {string.Join("; ", problems)}", At);
    }

    private Finding Fields(LineageStatement statement)
    {
        var required = settings.RequiredFields;
        var missing = required.Where(f => statement.Predicate[f] switch
        {
            null => true,
            System.Text.Json.Nodes.JsonObject o => o.Count == 0,
            System.Text.Json.Nodes.JsonArray a => a.Count == 0,
            var v => string.IsNullOrWhiteSpace(v.ToString()),
        }).ToList();
        return missing.Count == 0
            ? Finding.Passed(RuleId, "lineage/fields", $"the lineage records {string.Join(", ", required)}", At)
            : Finding.Failed(RuleId, "lineage/fields", $"the lineage lacks {string.Join(", ", missing)}", At);
    }
}
