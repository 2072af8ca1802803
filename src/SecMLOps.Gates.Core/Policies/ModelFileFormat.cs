namespace SecMLOps.Gates.Policies;

/// <summary>
/// A model format as policies name it (<c>spec.model.format</c>), as far as the engine and <c>init</c> need
/// it: its name and description, the file extensions <c>init</c> recognises, and, where the format declares
/// its input and output, how those shapes are read without running the model (null: the policy must give
/// <c>inputShape</c>, and <c>init</c> cannot tell a detector's head from its output). The gates that load
/// models declare the formats they load (<see cref="GateDescriptor.ModelFormats"/>); the policy
/// schema's format list and <c>init</c>'s extensions come from them.
/// </summary>
public record ModelFileFormat(string Name, string Description, IReadOnlyList<string> Extensions, Func<string, long[]>? ReadInputShape, Func<string, long[]>? ReadOutputShape);
