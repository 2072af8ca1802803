using System.Net;
using System.Text;

namespace SecMLOps.Gates.StrideCoverage;

/// <summary>Renders a coverage matrix as Markdown (pull requests, job summaries) or as a self-contained HTML page.</summary>
public static class CoverageMatrixWriter
{
    public static string ToMarkdown(CoverageMatrix matrix, int heading = 2)
    {
        var text = new StringBuilder();
        text.AppendLine($"{new string('#', heading)} STRIDE coverage: {Escape(matrix.Model.Name)}");
        text.AppendLine();
        text.AppendLine("Likelihood H/M/L/N; impact 🟥 severe, 🟧 medium, 🟩 low, ⬜ not rated; ❗ applicable but not assessed; · not applicable. Controls in brackets.");
        text.AppendLine();
        text.AppendLine("| element | type | S | T | R | I | D | E |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var (element, cells) in matrix.Rows)
            text.AppendLine($"| {element.Id} {Escape(element.Name)} | {element.Type.Words()} | {string.Join(" | ", cells.Select(MarkdownCell))} |");
        text.AppendLine();
        text.AppendLine($"{matrix.Rows.Count} elements, {matrix.Missing} applicable pairs not assessed.");
        return text.ToString();
    }

    public static string ToHtml(CoverageMatrix matrix)
    {
        var title = WebUtility.HtmlEncode($"STRIDE coverage: {matrix.Model.Name}");
        var text = new StringBuilder();
        text.AppendLine("<!DOCTYPE html>");
        text.AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        text.AppendLine($"<title>{title}</title>");
        text.AppendLine("<style>");
        text.AppendLine("body{font-family:system-ui,sans-serif;margin:2rem;color:#1f2328}table{border-collapse:collapse}");
        text.AppendLine("th,td{border:1px solid #d0d7de;padding:.35rem .6rem;text-align:center;vertical-align:top}td.name{text-align:left}");
        text.AppendLine(".severe{background:#f8b4b4}.medium{background:#fcd9a8}.low{background:#c8ecc9}.not-rated{background:#fff;border-style:dashed}.missing{background:#fff;color:#cf222e;font-weight:bold}.na{background:#f6f8fa;color:#8c959f}");
        text.AppendLine("small{display:block;color:#57606a}.legend span{display:inline-block;padding:.1rem .5rem;margin-right:.4rem;border:1px solid #d0d7de}");
        text.AppendLine("</style></head><body>");
        text.AppendLine($"<h1>{title}</h1>");
        text.AppendLine("<p class=\"legend\"><span class=\"severe\">severe</span><span class=\"medium\">medium</span><span class=\"low\">low</span><span class=\"not-rated\">impact not rated</span>" +
            "<span class=\"missing\">! not assessed</span><span class=\"na\">not applicable</span> Letters: likelihood H/M/L/N.</p>");
        text.AppendLine("<table><thead><tr><th>element</th><th>type</th>" + string.Concat(Stride.Categories.Select(c => $"<th title=\"{Stride.Name(c)}\">{c}</th>")) + "</tr></thead><tbody>");
        foreach (var (element, cells) in matrix.Rows)
        {
            text.Append($"<tr><td class=\"name\">{WebUtility.HtmlEncode(element.Id)} {WebUtility.HtmlEncode(element.Name.ReplaceLineEndings(" "))}</td><td>{element.Type.Words()}</td>");
            text.Append(string.Concat(cells.Select(HtmlCell)));
            text.AppendLine("</tr>");
        }
        text.AppendLine("</tbody></table>");
        text.AppendLine($"<p>{matrix.Rows.Count} elements, {matrix.Missing} applicable pairs not assessed.</p>");
        text.AppendLine("</body></html>");
        return text.ToString();
    }

    private static string MarkdownCell(MatrixCell cell) => cell.State switch
    {
        CellState.NotApplicable => "·",
        CellState.Missing => "❗",
        _ => $"{cell.Assessment!.Likelihood} {Square(cell.Assessment.Impact)}{Controls(cell.Assessment)}",
    };

    private static string HtmlCell(MatrixCell cell) => cell.State switch
    {
        CellState.NotApplicable => "<td class=\"na\">·</td>",
        CellState.Missing => "<td class=\"missing\">!</td>",
        _ => $"<td class=\"{cell.Assessment!.Impact.Word()}\" title=\"{WebUtility.HtmlEncode(Tooltip(cell.Assessment))}\">" +
             $"{cell.Assessment.Likelihood}<small>{WebUtility.HtmlEncode(string.Join(", ", cell.Assessment.Controls))}</small></td>",
    };

    private static string Square(Impact impact) => impact switch { Impact.Severe => "🟥", Impact.Medium => "🟧", Impact.Low => "🟩", _ => "⬜" };

    private static string Tooltip(Assessment assessment) =>
        string.Join(" — ", new[] { assessment.Title, $"impact {assessment.Impact.Word()}, {assessment.Status}", assessment.Rationale }.OfType<string>());

    private static string Controls(Assessment assessment) =>
        assessment.Controls.Count == 0 ? "" : $" [{Escape(string.Join(", ", assessment.Controls))}]";

    private static string Escape(string text) => text.Replace("|", "\\|").ReplaceLineEndings(" ");
}
