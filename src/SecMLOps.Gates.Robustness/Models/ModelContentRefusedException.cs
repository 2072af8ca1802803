namespace SecMLOps.Gates.Robustness.Models;

/// <summary>A model file holds something a forward pass does not need; it is refused before any runtime opens it.</summary>
public sealed class ModelContentRefusedException(string member, string reason) : Exception($"{member}: {reason}")
{
    /// <summary>The archive member (file inside the model) that holds it.</summary>
    public string Member { get; } = member;
}
