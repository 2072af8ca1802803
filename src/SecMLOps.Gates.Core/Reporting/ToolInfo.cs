using System.Reflection;

namespace SecMLOps.Gates.Reporting;

public static class ToolInfo
{
    public const string Name = "secmlops-gate";

    /// <summary>The engine's semantic version (without build metadata).</summary>
    public static string Version { get; } =
        (typeof(ToolInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0")
            .Split('+')[0];
}
