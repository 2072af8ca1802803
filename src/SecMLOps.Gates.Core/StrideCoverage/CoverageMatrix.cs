namespace SecMLOps.Gates.StrideCoverage;

public enum CellState
{
    NotApplicable,
    Missing,
    Assessed,
}

/// <summary>One element x STRIDE cell: the worst assessment of the pair, if any.</summary>
public sealed record MatrixCell(CellState State, Assessment? Assessment);

/// <summary>The coverage matrix of a threat model: in-scope elements by STRIDE category, as in a STRIDE table.</summary>
public sealed record CoverageMatrix(ThreatModel Model, IReadOnlyList<(ModelElement Element, IReadOnlyList<MatrixCell> Cells)> Rows)
{
    private const string LikelihoodOrder = "NLMH";

    public static CoverageMatrix Of(ThreatModel model) => new(model, model.Elements
        .Where(e => !e.OutOfScope)
        .Select(e => (e, (IReadOnlyList<MatrixCell>)Stride.Categories.Select(c => Cell(e, c)).ToList()))
        .ToList());

    private static MatrixCell Cell(ModelElement element, char category)
    {
        var worst = element.Threats.Where(t => t.Category == category)
            .OrderByDescending(t => LikelihoodOrder.IndexOf(t.Likelihood)).ThenByDescending(t => t.Impact == Impact.NotRated ? int.MaxValue : (int)t.Impact).FirstOrDefault();
        if (worst is not null)
            return new MatrixCell(CellState.Assessed, worst);
        return new MatrixCell(Stride.Applicable(element).Contains(category) ? CellState.Missing : CellState.NotApplicable, null);
    }

    public int Missing => Rows.Sum(r => r.Cells.Count(c => c.State == CellState.Missing));
}
