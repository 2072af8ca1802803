using SecMLOps.Gates.Poisoning;

namespace SecMLOps.Gates.Tests.Gates.Poisoning;

public sealed class TableScaleTests
{
    /// <summary>Columns: cents, millions, a constant, and one whose single extreme value must not squash the rest.</summary>
    [Fact]
    public void Each_column_is_centred_and_scaled_on_its_own_and_one_outlier_squashes_nothing()
    {
        const int rows = 101, dimension = 4;
        var table = new float[rows * dimension];
        for (var r = 0; r < rows; r++)
        {
            table[r * dimension] = 0.01f * r;
            table[r * dimension + 1] = 1e6f * r;
            table[r * dimension + 2] = 42;
            table[r * dimension + 3] = r == rows - 1 ? 1e9f : r;
        }

        var scaled = TableScale.Fit(table, rows, dimension, []).Apply(table);

        float At(int row, int column) => scaled[row * dimension + column];
        Assert.Equal(0, At(50, 0), 4);
        Assert.Equal(At(75, 0), At(75, 1), 4);
        Assert.True(At(75, 0) is > 0.5f and < 1.5f, $"upper quartile at {At(75, 0)}");
        Assert.All(Enumerable.Range(0, rows), r => Assert.Equal(0, At(r, 2)));
        Assert.Equal(At(75, 0), At(75, 3), 4);
        Assert.True(At(rows - 1, 3) < 25, $"the outlier at {At(rows - 1, 3)}: asinh keeps it within a few dozen");
    }

    [Fact]
    public void A_category_code_becomes_one_indicator_a_golden_category_and_an_unknown_one_sets_none()
    {
        // Column 0 an amount, column 1 a category code (the golden set holds 3, 7 and 12).
        float[] golden = [10, 7, 20, 3, 30, 12, 40, 7];
        var scale = TableScale.Fit(golden, 4, 2, [1]);

        Assert.Equal(4, scale.Dimension);
        var prepared = scale.Apply([25, 12, 25, 99]);
        Assert.Equal([0f, 0, 1], prepared[1..4]);
        Assert.Equal([0f, 0, 0], prepared[5..8]);
        Assert.Equal(prepared[0], prepared[4]);
    }
}
