using System.Reflection;

namespace SecMLOps.Gates.Findings;

public static class ToolInfo
{
    public const string Name = "secmlops-gate";

    /// <summary>The GitHub repository that publishes the action.</summary>
    public const string Repository = "secmlops/secmlops-gates";

    /// <summary>Where the project lives (SARIF informationUri, package metadata).</summary>
    public const string InformationUri = $"https://github.com/{Repository}";

    /// <summary>The engine's semantic version (without build metadata).</summary>
    public static string Version { get; } =
        (typeof(ToolInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0")
            .Split('+')[0];

    /// <summary>How a workflow names this version's action: the repository at the major version's tag.</summary>
    public static string ActionReference => $"{Repository}@v{Version.Split('.')[0]}";

    /// <summary>A page of the repository's documentation, for help links.</summary>
    public static string DocumentationUri(string repositoryPath) => $"{InformationUri}/blob/v{Version}/{repositoryPath}";
}
