using System.Text.RegularExpressions;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Documents;

/// <summary>
/// The policies, threat models and examples the project publishes hold up in a user's own tooling:
/// read by a YAML 1.1 parser (an unquoted date becomes a date there, not a string) and validated by
/// Ajv in its default strict mode with the gate's x- keywords declared as the README says.
/// </summary>
public sealed class StandardValidatorTests
{
    private const string ApiVersion = "apiVersion: secmlops.gates/v1";

    [NodeToolsFact]
    public void The_published_documents_and_the_documented_examples_validate_in_standard_tooling()
    {
        var documents = new[] { "policies", "samples" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(RepositoryLayout.Root, folder), "*.yaml", SearchOption.AllDirectories))
            .Where(f => File.ReadAllText(f).Contains(ApiVersion))
            .ToList();
        Assert.True(documents.Count >= 5, $"only {documents.Count} documents found");
        using var scratch = new ScratchRepository();
        var examples = new[] { "README.md", Path.Combine("docs", "policy-format.md") }
            .SelectMany(page => Regex.Matches(File.ReadAllText(Path.Combine(RepositoryLayout.Root, page)), "```ya?ml\n(.*?)```", RegexOptions.Singleline)
                .Select(m => m.Groups[1].Value).Where(block => block.Contains(ApiVersion))
                .Select((block, i) => scratch.Write($"{Path.GetFileNameWithoutExtension(page)}-{i}.yaml", block)))
            .ToList();
        Assert.Equal(2, examples.Count);

        var result = NodeTools.ValidateDocuments([.. documents, .. examples]);
        Assert.True(result.ExitCode == 0, result.All);
    }

    [NodeToolsFact]
    public void An_unquoted_date_fails_there_so_the_check_above_can_fail()
    {
        using var scratch = new ScratchRepository();
        var baseline = scratch.Write("baseline.yaml", """
            apiVersion: secmlops.gates/v1
            kind: GateBaseline
            metadata: {name: example}
            spec:
              accepted:
                - fingerprint: 0000000000000000000000000000000000000000000000000000000000000000
                  rule: ROB-1
                  subject: fgsm/eps=0.03
                  message: accuracy 0.5
                  owner: ml-team
                  reason: retraining
                  expires: 2027-01-31
            """);
        var result = NodeTools.ValidateDocuments(baseline);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("/spec/accepted/0/expires must be string", result.Output);
    }
}
