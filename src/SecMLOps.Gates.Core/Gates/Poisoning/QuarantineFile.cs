using System.Globalization;
using System.Text;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Gates.Poisoning;

/// <summary>A training row held back for review: its probability of a wrong label and every signal that flagged it.</summary>
internal sealed record QuarantinedRow(int Row, int GivenLabel, int? SuggestedLabel, double Score, IReadOnlyList<string> Signals);

/// <summary>Writes the quarantine CSV atomically, in the given order (most suspicious first): row, given_label, suggested_label, score, signals.</summary>
internal static class QuarantineFile
{
    public static void Write(string path, IEnumerable<QuarantinedRow> rows)
    {
        var text = new StringBuilder("row,given_label,suggested_label,score,signals\n");
        foreach (var row in rows)
            text.Append(CultureInfo.InvariantCulture,
                $"{row.Row},{row.GivenLabel},{row.SuggestedLabel?.ToString(CultureInfo.InvariantCulture)},{row.Score.ToString("0.####", CultureInfo.InvariantCulture)},{string.Join(';', row.Signals)}\n");
        AtomicFile.WriteAllText(path, text.ToString());
    }
}
