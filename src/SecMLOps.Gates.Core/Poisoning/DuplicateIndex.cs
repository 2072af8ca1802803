using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace SecMLOps.Gates.Poisoning;

/// <summary>
/// Near duplicates by hashing, without pairwise distances: two rows are near duplicates when their
/// features agree after rounding down to a fraction (the quantum) of each feature's golden range.
/// Exact duplicates are near duplicates too.
/// </summary>
internal sealed class DuplicateIndex(float[] low, float[] high, double quantum)
{
    private readonly Dictionary<UInt128, int> _goldenLabels = [];
    private readonly Dictionary<UInt128, HashSet<int>> _trainingLabels = [];
    private readonly List<(int Row, UInt128 Key, int Label)> _training = [];

    public void AddGolden(float[] rows, int[] labels, int dimension)
    {
        for (var i = 0; i < labels.Length; i++)
        {
            var key = Key(rows.AsSpan(i * dimension, dimension));
            // A golden cell that holds two labels cannot arbitrate: mark it with -1.
            _goldenLabels[key] = _goldenLabels.TryGetValue(key, out var existing) && existing != labels[i] ? -1 : labels[i];
        }
    }

    public void AddTraining(ReadOnlySpan<float> row, int rowIndex, int label)
    {
        var key = Key(row);
        _training.Add((rowIndex, key, label));
        if (!_trainingLabels.TryGetValue(key, out var labels))
            _trainingLabels[key] = labels = [];
        labels.Add(label);
    }

    /// <summary>Training rows in near-duplicate groups whose labels disagree.</summary>
    public IReadOnlyList<(int Row, int Label)> ConflictingTrainingRows() =>
        _training.Where(t => _trainingLabels[t.Key].Count > 1).Select(t => (t.Row, t.Label)).ToList();

    /// <summary>Training rows that nearly duplicate a golden row with another label: row, given label, golden label.</summary>
    public IReadOnlyList<(int Row, int Label, int GoldenLabel)> GoldenConflicts() =>
        _training.Where(t => _goldenLabels.TryGetValue(t.Key, out var golden) && golden >= 0 && golden != t.Label)
            .Select(t => (t.Row, t.Label, _goldenLabels[t.Key])).ToList();

    private UInt128 Key(ReadOnlySpan<float> row)
    {
        Span<int> cells = row.Length <= 4096 ? stackalloc int[row.Length] : new int[row.Length];
        for (var j = 0; j < row.Length; j++)
        {
            var step = (high[j] - low[j]) * quantum;
            cells[j] = step > 0 ? (int)Math.Floor((row[j] - low[j]) / step) : 0;
        }
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(MemoryMarshal.AsBytes(cells), hash);
        return MemoryMarshal.Read<UInt128>(hash);
    }
}
