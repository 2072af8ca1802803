using System.CommandLine;
using System.Text.Json;
using SecMLOps.Gates.Commands;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using static System.FormattableString;

namespace SecMLOps.Gates.Robustness.Detection;

/// <summary>secmlops-gate miss-rate: a pedestrian detector's log-average miss rate on each setting, from its detections and the annotations.</summary>
internal static class MissRateCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var annotations = new Option<string>("--annotations") { Description = "Ground truth in CityPersons COCO JSON (images; annotations with bbox, height, vis_ratio, ignore).", Required = true };
        var detections = new Option<string>("--detections") { Description = "Detections in COCO results JSON (image_id, category_id, bbox, score).", Required = true };
        var settings = new Option<string[]>("--setting") { Description = "A setting to report (repeatable); default every one: " + string.Join(", ", MissRateSetting.Standard.Select(s => s.Name)) + "." };
        settings.AcceptOnlyFromAmong([.. MissRateSetting.Standard.Select(s => s.Name)]);
        var run = new Option<string?>("--run") { Description = "The run to read from a detections file of several (the detection-robustness gate's output), e.g. clean or fgsm/eps=0.03." };
        var json = new Option<string?>("--json") { Description = "Also write the figures (each setting's laMR and its nine miss rates) as JSON to this file." };
        var repoRoot = RepositoryRootOption.Create();
        var command = new Command("miss-rate", "Compute a pedestrian detector's log-average miss rate (CityPersons protocol) from its detections, on each setting.")
        {
            annotations, detections, run, settings, json, repoRoot,
        };
        command.SetAction(parsed => Run(parsed.GetValue(annotations)!, parsed.GetValue(detections)!, parsed.GetValue(run), parsed.GetValue(settings) ?? [], parsed.GetValue(json),
            RepositoryRootOption.Resolve(parsed.GetValue(repoRoot)), output, error));
        return command;
    }

    private static int Run(string annotationsPath, string detectionsPath, string? run, string[] names, string? json, RepositoryRoot root, TextWriter output, TextWriter error)
    {
        List<MissRateResult?> results;
        try
        {
            var truth = PedestrianBoxes.ReadAnnotations(Inside(root, annotationsPath), annotationsPath);
            var detections = PedestrianBoxes.ReadDetections(Inside(root, detectionsPath), detectionsPath, truth, run);
            var chosen = names.Length == 0 ? MissRateSetting.Standard : MissRateSetting.Standard.Where(s => names.Contains(s.Name)).ToList();
            results = chosen.Select(s => MissRate.Evaluate(truth, detections, s)).ToList();
            if (results.Any(r => r is null))
                throw new GateInputException(EngineRules.InputMalformed,
                    $"no annotated pedestrian falls in setting(s) {string.Join(", ", chosen.Where((_, i) => results[i] is null).Select(s => s.Name))}: a miss rate over nobody is not a figure",
                    new SourceLocation(annotationsPath, 0, 0));
        }
        catch (GateInputException e)
        {
            FindingPrinter.Print(error, "error", e.ToFinding(annotationsPath));
            return ExitCodes.InputError;
        }
        var figures = results.Select(r => r!).ToList();
        if (json is not null)
        {
            var document = JsonSerializer.Serialize(figures.Select(r => new
            {
                setting = r.Setting.Name,
                height = new[] { r.Setting.MinHeight, r.Setting.MaxHeight }.Select(Bound),
                visibility = new[] { r.Setting.MinVisibility, r.Setting.MaxVisibility }.Select(Bound),
                pedestrians = r.Pedestrians,
                images = r.Images,
                logAverageMissRate = Math.Round(r.LogAverage, 6),
                missRates = MissRate.ReferenceFppi.Zip(r.MissRates, (fppi, rate) => new { fppi, missRate = Math.Round(rate, 6) }),
            }), new JsonSerializerOptions { WriteIndented = true }) + "\n";
            if (Output.Write(json, document, output, error, Output.ForCommittedFile(json, [annotationsPath, detectionsPath])) is var code and not ExitCodes.Passed)
                return code;
        }
        output.WriteLine("| setting | height (px) | visibility | pedestrians | laMR |");
        output.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var r in figures)
            output.WriteLine(Invariant($"| {r.Setting.Name} | {Range(r.Setting.MinHeight, r.Setting.MaxHeight)} | {Range(r.Setting.MinVisibility, r.Setting.MaxVisibility)} | {r.Pedestrians} | {100 * r.LogAverage:0.00} % |"));
        return ExitCodes.Passed;
    }

    private static string Inside(RepositoryRoot root, string path)
    {
        var full = Path.GetFullPath(path);
        return root.Contains(full) ? full
            : throw new GateInputException(EngineRules.PathRefused, $"{path} lies outside the repository root {root.FullPath}", new SourceLocation(path, 0, 0));
    }

    private static object Bound(double value) => double.IsPositiveInfinity(value) ? "inf" : value;

    private static string Range(double low, double high) => Invariant($"[{low}, {(double.IsPositiveInfinity(high) ? "inf" : high.ToString(System.Globalization.CultureInfo.InvariantCulture))}]");
}
