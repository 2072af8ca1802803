using System.Globalization;
using System.Text;
using SecMLOps.Gates.Reporting;

namespace SecMLOps.Gates.Gates.Poisoning;

/// <summary>A training row held back for review, with every reason it was flagged.</summary>
internal sealed record QuarantinedRow(int Row, int GivenLabel, int? SuggestedLabel, double? Score, IReadOnlyList<string> Reasons);

/// <summary>Writes the quarantine CSV atomically: row, given_label, suggested_label, score, reasons.</summary>
internal static class QuarantineFile
{
    public static void Write(string path, IEnumerable<QuarantinedRow> rows)
    {
        var text = new StringBuilder("row,given_label,suggested_label,score,reasons\n");
        foreach (var row in rows.OrderBy(r => r.Row))
            text.Append(CultureInfo.InvariantCulture,
                $"{row.Row},{row.GivenLabel},{row.SuggestedLabel?.ToString(CultureInfo.InvariantCulture)},{row.Score?.ToString("0.###", CultureInfo.InvariantCulture)},{string.Join(';', row.Reasons)}\n");
        AtomicFile.WriteAllText(path, text.ToString());
    }
}
