using System.Globalization;

namespace SecMLOps.Gates.Engine;

/// <summary>
/// One part of an evaluation split across machines (<c>--shard 2/3</c>): gates that can divide their
/// samples evaluate their part; the others run whole in shard 1 (<see cref="GateDescriptor.Shardable"/>).
/// </summary>
public sealed record Shard(int Index, int Count)
{
    /// <summary>The most shards an evaluation may be split into.</summary>
    public const int MaxCount = 1024;

    /// <summary>The whole evaluation as one shard.</summary>
    public static Shard Whole { get; } = new(1, 1);

    public bool IsFirst => Index == 1;

    /// <summary>Whether the part numbered <paramref name="part"/> (from 0) of a gate's deterministic partition falls to this shard.</summary>
    public bool Holds(int part) => part % Count == Index - 1;

    /// <summary>The parts (from 0) of a partition into <paramref name="parts"/> that fall to this shard.</summary>
    public IEnumerable<int> Of(int parts) => Enumerable.Range(0, parts).Where(Holds);

    /// <summary>Whether the shards' shares together hold each of the partition's <paramref name="parts"/> exactly once.</summary>
    public static bool CoverExactlyOnce(IEnumerable<IReadOnlyCollection<int>> shares, int parts)
    {
        var all = shares.SelectMany(s => s).ToList();
        return all.Count == parts && all.Distinct().Count() == parts && all.All(p => p >= 0 && p < parts);
    }

    /// <summary>"I/N" with 1 &lt;= I &lt;= N &lt;= <see cref="MaxCount"/>, or null.</summary>
    public static Shard? Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || count < 1 || count > MaxCount || index < 1 || index > count)
            return null;
        return new Shard(index, count);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
