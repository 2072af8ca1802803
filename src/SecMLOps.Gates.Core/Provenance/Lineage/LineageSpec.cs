using System.Security.Cryptography;
using SecMLOps.Gates.Findings;

namespace SecMLOps.Gates.Provenance.Lineage;

/// <summary>A provenance rule's `lineage`: the signed in-toto statement, the key it is verified with, and the fields it must carry.</summary>
public sealed record LineageSpec(string StatementPath, ECDsa Key, IReadOnlyList<string> RequiredFields, SourceLocation Location);
