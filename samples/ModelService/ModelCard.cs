namespace ModelService;

/// <summary>What the service tells callers about the model it serves.</summary>
public sealed record ModelCard(string Name, string Version, string PolicyFile);
