using SecMLOps.Gates.Poisoning;
using SecMLOps.Gates.Tests.Support;

namespace SecMLOps.Gates.Tests.Gates.Poisoning;

public sealed class QuarantineFileTests
{
    /// <summary>Ids come from the data under suspicion: one a spreadsheet would run as a formula is defused, one with a quote stays one field.</summary>
    [Fact]
    public void Ids_that_a_spreadsheet_would_run_are_written_as_text()
    {
        using var repo = new ScratchRepository();
        var path = repo.Full("quarantine.csv");
        QuarantineFile.Write(path, [new QuarantinedRow(0, 1, 2, 0.9, ["label-noise"]), new QuarantinedRow(2, 0, 1, 0.8, ["label-noise"]), new QuarantinedRow(1, 0, null, 0, ["conflicting-duplicate"])],
            ["=HYPERLINK(\"http://x\")", "plain", "@SUM(1)"]);

        Assert.Equal(
            [
                "row,id,given_label,suggested_label,score,signals",
                "0,\"'=HYPERLINK(\"\"http://x\"\")\",1,2,0.9,label-noise",
                "2,'@SUM(1),0,1,0.8,label-noise",
                "1,plain,0,,0,conflicting-duplicate",
            ],
            File.ReadAllLines(path));
    }
}
