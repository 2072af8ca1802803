using System.Globalization;
using System.Text;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Poisoning;

/// <summary>A training row held back for review: its probability of a wrong label and every signal that flagged it.</summary>
internal sealed record QuarantinedRow(int Row, int GivenLabel, int? SuggestedLabel, double Score, IReadOnlyList<string> Signals);

/// <summary>
/// Writes the quarantine CSV atomically, in the given order (most suspicious first): row, then the
/// row's id where the training set names its rows, given_label, suggested_label, score, signals.
/// </summary>
internal static class QuarantineFile
{
    public static void Write(string path, IEnumerable<QuarantinedRow> rows, IReadOnlyList<string>? rowIds)
    {
        var text = new StringBuilder(rowIds is null ? "row,given_label,suggested_label,score,signals\n" : "row,id,given_label,suggested_label,score,signals\n");
        foreach (var row in rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"{row.Row},");
            if (rowIds is not null)
                text.Append(Quoted(rowIds[row.Row])).Append(',');
            text.Append(CultureInfo.InvariantCulture,
                $"{row.GivenLabel},{row.SuggestedLabel?.ToString(CultureInfo.InvariantCulture)},{row.Score.ToString("0.####", CultureInfo.InvariantCulture)},{string.Join(';', row.Signals)}\n");
        }
        AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <summary>
    /// An id as one CSV field. Ids come from the data under suspicion, so one that a spreadsheet would
    /// read as a formula (=, +, -, @, tab, carriage return first) is prefixed with an apostrophe, and
    /// one holding a quote is quoted with its quotes doubled (a comma cannot reach here: the reader splits on them).
    /// </summary>
    private static string Quoted(string id)
    {
        var safe = id.Length > 0 && "=+-@\t\r".Contains(id[0]) ? "'" + id : id;
        return safe.Contains('"') ? $"\"{safe.Replace("\"", "\"\"")}\"" : safe;
    }
}
