namespace SecMLOps.Gates.Inputs;

/// <summary>A file the evaluation read: repository-relative path, sha256 (null when missing or unreadable), and its role ("model", "dataset training") if declared.</summary>
public sealed record InputFile(string Path, string? Sha256, string? Role = null);
