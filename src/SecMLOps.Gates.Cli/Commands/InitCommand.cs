using System.CommandLine;
using System.Globalization;
using System.Text;
using SecMLOps.Gates.Commands;
using SecMLOps.Gates.Data;
using SecMLOps.Gates.Documents;
using SecMLOps.Gates.Engine;
using SecMLOps.Gates.Findings;
using SecMLOps.Gates.Inputs;
using SecMLOps.Gates.Policies;
using SecMLOps.Gates.Robustness;
using SecMLOps.Gates.Robustness.Onnx;
using SecMLOps.Gates.StrideCoverage;

namespace SecMLOps.Gates.Cli.Commands;

/// <summary>
/// secmlops-gate init: scaffolds a commented policy, a threat-model skeleton, their schemas (for
/// editor completion) and a pull-request workflow for one model. The scaffold is meant to fail until it is filled in: the threat model's
/// elements carry no assessment yet, so the coverage rule lists every category still to assess.
/// Nothing is overwritten unless --force says so.
/// </summary>
internal static class InitCommand
{
    private const string PolicySuffix = ".policy.yaml";
    private const string ThreatModelSuffix = ".threat-model.yaml";
    private const string WorkflowFile = ".github/workflows/secmlops-gate.yml";
    private const string PolicySchemaFile = "schema/gate-policy.v1.schema.json";
    private const string ThreatModelSchemaFile = "schema/" + SchemaCatalog.ThreatModel;

    public static Command Create(TextWriter output, TextWriter error, GateRegistry registry)
    {
        var model = new Option<string>("--model") { Description = $"The model file, relative to the current folder; its extension names its format ({string.Join("; ", registry.ModelFormats.Select(f => $"{f.Name}: {string.Join(", ", f.Extensions)}"))}).", Required = true };
        var inputShape = new Option<string?>("--input-shape") { Description = "One sample's shape without the batch, e.g. 1,28,28 (read from the model where its format declares it)." };
        var data = new Option<string?>("--evaluation-data") { Description = $"Labelled data the robustness rule attacks, or a pedestrian detector's annotations, its format told by its name ({string.Join(", ", Recognised(registry).Select(f => f.Name))}); without it the rule is left commented out." };
        var keyed = KeyOptions(registry);
        var directory = new Option<string>("--directory", "-d") { Description = "Where the policy and threat model go.", DefaultValueFactory = _ => "policies" };
        var name = new Option<string?>("--name") { Description = "The policy's name (lower case, digits and dashes). Default: the model file's name." };
        var force = new Option<bool>("--force") { Description = "Overwrite files that exist." };
        var repoRoot = RepositoryRootOption.Create();
        var command = new Command("init", $"Write a commented policy (NAME{PolicySuffix}), a threat-model skeleton (NAME{ThreatModelSuffix}) and a workflow ({WorkflowFile}) for a model; a second model joins the workflow.")
        {
            model, inputShape, data,
        };
        foreach (var option in keyed.Values)
            command.Options.Add(option);
        foreach (var option in new Option[] { directory, name, force, repoRoot })
            command.Options.Add(option);
        command.SetAction(parsed =>
        {
            var root = RepositoryRootOption.Resolve(parsed.GetValue(repoRoot));
            try
            {
                var scaffold = new Scaffold(registry, root, Path.GetFullPath(parsed.GetValue(directory)!), Path.GetFullPath(parsed.GetValue(model)!),
                    parsed.GetValue(inputShape), parsed.GetValue(data) is { } d ? Path.GetFullPath(d) : null,
                    keyed.Where(k => parsed.GetValue(k.Value) is not null).ToDictionary(k => k.Key, k => Path.GetFullPath(parsed.GetValue(k.Value)!)), parsed.GetValue(name));
                return scaffold.Write(parsed.GetValue(force), output);
            }
            catch (InitException e)
            {
                error.WriteLine($"secmlops-gate: {e.Message}");
                return ExitCodes.InputError;
            }
        });
        return command;
    }

    /// <summary>
    /// One option for each key a format init recognises requires beside its data (idx's labels file, a
    /// detector's folder of images), named after the key and described by the formats that declare it.
    /// </summary>
    private static Dictionary<string, Option<string?>> KeyOptions(GateRegistry registry) =>
        Recognised(registry)
            .SelectMany(f => f.Required.Select(key => (Key: key, Format: f)))
            .GroupBy(p => p.Key)
            .ToDictionary(g => g.Key, g =>
            {
                var (key, first) = g.First();
                var folder = first.NamesFolder(key) ? $" Default: the folder {key}/ beside the data." : "";
                return new Option<string?>(KeyOption(key)) { Description = $"For {string.Join(" and ", g.Select(p => p.Format.Name))} data: {first.Keys[key]?["description"]}{folder}" };
            });

    /// <summary>The dataset formats init tells from a file's name, in the catalogue's order.</summary>
    private static IEnumerable<DatasetFormat> Recognised(GateRegistry registry) => registry.DatasetFormats.All.Where(f => f.Recognises is not null);

    /// <summary>init's option for a format's key: --evaluation-labels for labels, --evaluation-labels-file for labelsFile.</summary>
    private static string KeyOption(string key) =>
        "--evaluation-" + string.Concat(key.Select(c => char.IsAsciiLetterUpper(c) ? $"-{char.ToLowerInvariant(c)}" : $"{c}"));

    private sealed class InitException(string message) : Exception(message);

    private sealed class Scaffold
    {
        private readonly GateRegistry _registry;
        private readonly RepositoryRoot _root;
        private readonly string _directory;
        private readonly string _model;
        private readonly ModelFileFormat _format;
        private readonly string _name;
        private readonly IReadOnlyList<long> _shape;
        private readonly (string Path, IReadOnlyList<(string Key, string Path)> Files, DatasetFormat Format)? _evaluation;
        private IReadOnlyList<ScaffoldSection>? _sections;

        public Scaffold(GateRegistry registry, RepositoryRoot root, string directory, string model, string? inputShape, string? data, IReadOnlyDictionary<string, string> files, string? name)
        {
            _registry = registry;
            _root = root;
            _directory = Inside(directory, "--directory");
            _model = Existing(model, "--model");
            _format = registry.ModelFormatByExtension(Path.GetExtension(model)) ?? throw new InitException(
                $"--model {Path.GetFileName(model)}: the extension '{Path.GetExtension(model)}' names no model format the gate loads ({string.Join("; ", registry.ModelFormats.Select(f => $"{f.Name}: {string.Join(", ", f.Extensions)}"))})");
            _shape = inputShape is not null ? ParseShape(inputShape) : ShapeFromModel();
            _name = name ?? PolicyName(Path.GetFileNameWithoutExtension(model));
            if (data is not null)
                _evaluation = Evaluation(Existing(data, "--evaluation-data"), files);
            else if (files.Keys.FirstOrDefault() is { } key)
                throw new InitException($"{KeyOption(key)} belongs to an evaluation set: give its data with --evaluation-data");
        }

        private string PolicyFile => _name + PolicySuffix;

        private string ThreatModelFile => _name + ThreatModelSuffix;

        public int Write(bool force, TextWriter output)
        {
            var workflow = Path.Combine(_root.FullPath, WorkflowFile);
            var files = new Dictionary<string, string>
            {
                [Path.Combine(_directory, PolicyFile)] = Policy(),
                [Path.Combine(_directory, ThreatModelFile)] = ThreatModel(),
                [workflow] = Workflow(File.Exists(workflow) ? PoliciesInWorkflow(workflow) : []),
            };
            // Editors complete and check the files from these copies (`secmlops-gate schema` rewrites them after an upgrade); models share them.
            foreach (var (schema, text) in new[] { (PolicySchemaFile, _registry.Schema.ToText()), (ThreatModelSchemaFile, SchemaCatalog.ReadText(SchemaCatalog.ThreatModel)) })
                if (!File.Exists(Path.Combine(_directory, schema)) || force)
                    files[Path.Combine(_directory, schema)] = text;
            // The workflow is joined, not replaced: another model's lines stay in it.
            var existing = files.Keys.Where(f => File.Exists(f) && f != workflow).Select(_root.Relative).ToList();
            if (existing.Count > 0 && !force)
                throw new InitException($"{string.Join(", ", existing)} exist(s); nothing was written (--force overwrites; --name gives another model its own files)");
            foreach (var (path, text) in files)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                AtomicFile.WriteAllText(path, text);
                output.WriteLine($"wrote {_root.Relative(path)}");
            }
            output.WriteLine($"next: assess the threat model's elements, then run `secmlops-gate validate {_root.Relative(_directory)}` and `secmlops-gate evaluate {_root.Relative(_directory)}`");
            return ExitCodes.Passed;
        }

        private string Inside(string path, string option) =>
            _root.Contains(path) ? path : throw new InitException($"{option} {path} lies outside the repository root {_root.FullPath}");

        private string Existing(string path, string option) =>
            File.Exists(Inside(path, option)) ? path : throw new InitException($"{option}: no such file: {path}");

        /// <summary>Paths in a policy are relative to the policy file, with forward slashes.</summary>
        private string FromPolicy(string path) => Path.GetRelativePath(_directory, path).Replace(Path.DirectorySeparatorChar, '/');

        private static IReadOnlyList<long> ParseShape(string text)
        {
            var parts = text.Split(',', StringSplitOptions.TrimEntries);
            return parts.All(p => long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d > 0)
                ? parts.Select(p => long.Parse(p, CultureInfo.InvariantCulture)).ToList()
                : throw new InitException($"--input-shape '{text}' is not a list of positive dimensions such as 1,28,28");
        }

        private IReadOnlyList<long> ShapeFromModel()
        {
            if (_format.ReadInputShape is not { } readInputShape)
                throw new InitException($"a {_format.Name} model does not declare its input shape: give --input-shape (without the batch), e.g. 3,32,32");
            long[] shape;
            try
            {
                shape = readInputShape(_model);
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException or IOException or GateInputException or Robustness.Models.ModelContentRefusedException)
            {
                throw new InitException($"--model {Path.GetFileName(_model)}: {e.Message}");
            }
            return shape.Length >= 2 && shape.Skip(1).All(d => d > 0)
                ? shape.Skip(1).ToList()
                : throw new InitException($"--model {Path.GetFileName(_model)} declares the input shape [{string.Join(", ", shape)}]; give --input-shape (without the batch)");
        }

        private static string PolicyName(string file)
        {
            var name = new string(file.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
            while (name.Contains("--", StringComparison.Ordinal)) name = name.Replace("--", "-", StringComparison.Ordinal);
            return name.Length is > 0 and <= 63 ? name : "model";
        }

        /// <summary>
        /// The evaluation set's format, told from the data file's name, and the files its required keys name, each
        /// given by the key's option; a key naming a folder (a detector's annotated images) defaults to the folder
        /// of the key's name beside the data.
        /// </summary>
        private (string, IReadOnlyList<(string Key, string Path)>, DatasetFormat) Evaluation(string data, IReadOnlyDictionary<string, string> given)
        {
            var file = Path.GetFileName(data).ToLowerInvariant();
            var offered = Recognised(_registry).ToList();
            var format = offered.FirstOrDefault(f => f.Recognises!(file))
                ?? throw new InitException($"--evaluation-data {Path.GetFileName(data)}: cannot tell its format from the name ({string.Join(", ", offered.Select(f => f.Name))})");
            if (given.Keys.FirstOrDefault(k => !format.Required.Contains(k)) is { } foreign)
                throw new InitException($"--evaluation-data is {format.Name}, which takes no {foreign} of its own " +
                    (format.Required.Count == 0 ? "(its file holds everything)" : $"(it takes {string.Join(", ", format.Required.Select(KeyOption))})") + $"; drop {KeyOption(foreign)}");
            var files = new List<(string Key, string Path)>();
            foreach (var key in format.Required)
            {
                if (format.NamesFolder(key))
                {
                    var folder = given.GetValueOrDefault(key) ?? Path.Combine(Path.GetDirectoryName(data)!, key);
                    if (!Directory.Exists(Inside(folder, KeyOption(key))))
                        throw new InitException($"{KeyOption(key)}: no such folder: {folder} (the {format.Name} format's {key}; give {KeyOption(key)})");
                    files.Add((key, folder));
                }
                else
                {
                    files.Add((key, given.TryGetValue(key, out var path) ? Existing(path, KeyOption(key))
                        : throw new InitException($"--evaluation-data is {format.Name}, whose {key} come in a file of their own: give {KeyOption(key)}")));
                }
            }
            return (data, files, format);
        }

        private string Policy()
        {
            var text = new StringBuilder();
            text.AppendLine($"# yaml-language-server: $schema={FromPolicy(Path.Combine(_directory, PolicySchemaFile))}")
                .AppendLine("# What this model must prove before it ships. Every change here shows in the pull request, and")
                .AppendLine("# `secmlops-gate diff` classifies it as a strengthening or a weakening. Reference: docs/rules/.")
                .AppendLine("apiVersion: secmlops.gates/v1")
                .AppendLine("kind: GatePolicy")
                .AppendLine("metadata:")
                .AppendLine($"  name: {_name}")
                .AppendLine("  version: 0.1.0")
                .AppendLine("  owners: [\"TODO: the team that answers for this model\"]")
                .AppendLine("spec:")
                .AppendLine("  model:")
                .AppendLine($"    path: {Quoted(FromPolicy(_model))}")
                .AppendLine($"    format: {_format.Name}")
                .AppendLine($"    inputShape: [{string.Join(", ", _shape)}]")
                .AppendLine("    # The range the model's inputs take: attacks never leave it. Add `normalization` if the model expects standardised inputs.")
                .AppendLine("    valueRange: [0, 1]");
            if (_evaluation is { } evaluation)
            {
                text.AppendLine("  datasets:")
                    .AppendLine($"    # The evaluation set the rules attack: its data{string.Concat(evaluation.Files.Select(f => $" and its {f.Key}"))} pinned by digest, so a changed file is an error, not a silent pass.")
                    .AppendLine("    evaluation:")
                    .AppendLine($"      path: {Quoted(FromPolicy(evaluation.Path))}");
                foreach (var (key, path) in evaluation.Files)
                    text.AppendLine($"      {key}: {Quoted(FromPolicy(path))}");
                text.AppendLine($"      format: {evaluation.Format.Name}")
                    .AppendLine($"      sha256: {FileDigest.Sha256(evaluation.Path)}");
                foreach (var (key, path) in evaluation.Files)
                    text.AppendLine($"      {DatasetFormat.PinKey(key)}: {FileDigest.Sha256(path)}");
            }
            var sections = Sections();
            text.AppendLine("  rules:");
            foreach (var line in sections.Where(s => s.IsRule).Concat(sections.Where(s => !s.IsRule)).SelectMany(s => s.Lines))
                text.AppendLine($"    {line}");
            return text.ToString();
        }

        /// <summary>Each gate's part of the policy, in the registry's order.</summary>
        private IReadOnlyList<ScaffoldSection> Sections()
        {
            if (_sections is null)
            {
                var context = new ScaffoldContext(RuleIdPrefix, ThreatModelFile, _shape, ReadOutputShape, _evaluation?.Format);
                _sections = _registry.All.Select(gate => gate.Scaffold(context)).OfType<ScaffoldSection>().ToList();
            }
            return _sections;
        }

        private long[]? ReadOutputShape()
        {
            try
            {
                return _format.ReadOutputShape?.Invoke(_model);
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException or IOException or GateInputException or Robustness.Models.ModelContentRefusedException)
            {
                throw new InitException($"--model {Path.GetFileName(_model)}: {e.Message}");
            }
        }

        /// <summary>Rule ids start with a letter: SAMPLE-ROB-1, or M-3D-UNET-ROB-1 for a name that starts with a digit.</summary>
        private string RuleIdPrefix => char.IsAsciiLetter(_name[0]) ? _name.ToUpperInvariant() : $"M-{_name.ToUpperInvariant()}";

        private string ThreatModel()
        {
            var text = new StringBuilder();
            var example = Sections().Select(s => s.Mitigates).OfType<ScaffoldThreat>().FirstOrDefault();
            text.AppendLine($"# yaml-language-server: $schema={FromPolicy(Path.Combine(_directory, ThreatModelSchemaFile))}")
                .AppendLine("# A skeleton: the elements of a typical training-to-serving path. The coverage rule lists each STRIDE")
                .AppendLine("# category still to assess until every element has its threats.");
            if (example is not null)
                text.AppendLine($"# {example.Element.Id}'s {Stride.Name(example.Category).ToLowerInvariant()} threat is {(example.RuleRuns ? "filled in" : "shown in comments")} as an example of a serious risk")
                    .AppendLine($"# whose control is backed by evidence (here, rule {example.RuleId}).");
            text.AppendLine("apiVersion: secmlops.gates/v1")
                .AppendLine("kind: ThreatModel")
                .AppendLine("metadata:")
                .AppendLine($"  name: {_name}")
                .AppendLine("  version: 0.1.0")
                .AppendLine("  owners: [\"TODO: the team that answers for this model\"]")
                .AppendLine("spec:")
                .AppendLine("  elements:");
            var assessed = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var threat = example is null ? null : $"{{category: {example.Category}, likelihood: M, impact: severe, status: mitigated, assessed: \"{assessed}\", controls: [SC-1]}}";
            foreach (var element in SkeletonElement.All)
            {
                if (element != example?.Element || !example.RuleRuns)
                {
                    var flow = element.From is null ? "" : $"from: {element.From}, to: {element.To}, ";
                    text.AppendLine($"    - {{id: {element.Id}, name: {element.Name}, type: {element.Type}, {flow}threats: []}}");
                    if (element == example?.Element)
                        text.AppendLine($"    # once rule {example.RuleId} runs: threats: [{threat}]");
                    continue;
                }
                text.AppendLine($"    - id: {element.Id}")
                    .AppendLine($"      name: {element.Name}")
                    .AppendLine($"      type: {element.Type}");
                if (element.From is not null)
                    text.AppendLine($"      from: {element.From}")
                        .AppendLine($"      to: {element.To}");
                text.AppendLine("      threats:")
                    .AppendLine($"        - {threat}");
            }
            if (example is null)
                text.AppendLine("  controls: []");
            else if (!example.RuleRuns)
                text.AppendLine("  controls: []")
                    .AppendLine($"  # once rule {example.RuleId} runs:")
                    .AppendLine($"  # controls: [{{id: SC-1, description: {Quoted(example.Control)}, evidence: [{{rule: {example.RuleId}}}]}}]");
            else
                text.AppendLine("  controls:")
                    .AppendLine("    - id: SC-1")
                    .AppendLine($"      description: {Quoted(example.Control)}")
                    .AppendLine($"      evidence: [{{rule: {example.RuleId}}}]");
            return text.ToString();
        }

        /// <summary>
        /// The policy folders of the workflow an earlier init wrote, so that this model joins them. A workflow
        /// edited past recognition is refused (nothing is written), never replaced.
        /// </summary>
        private IReadOnlyList<string> PoliciesInWorkflow(string workflow)
        {
            try
            {
                var document = SourceDocument.Load(workflow, _root.Relative(workflow));
                var policy = document.Root.SelectTokens("jobs.gate.steps[*].with.policy").OfType<Newtonsoft.Json.Linq.JValue>().Select(v => (string?)v).FirstOrDefault()
                    ?? throw new InitException($"{WorkflowFile} has no gate job with a policy input; add {_root.Relative(_directory)}/ to its policy input by hand (nothing was written)");
                return policy.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            }
            catch (GateInputException e)
            {
                throw new InitException($"{WorkflowFile} does not read ({e.Message}); nothing was written");
            }
        }

        /// <summary>The branch pushes to which are analysed (code scanning compares pull requests with it): origin's HEAD, else the current branch, else main.</summary>
        private string DefaultBranch()
        {
            if (UntrustedGit.Run(_root.FullPath, "symbolic-ref", "--short", "refs/remotes/origin/HEAD").Output?.Trim() is { Length: > 0 } remote)
                return remote[(remote.IndexOf('/') + 1)..];
            return UntrustedGit.Run(_root.FullPath, "symbolic-ref", "--short", "HEAD").Output?.Trim() is { Length: > 0 } current ? current : "main";
        }

        /// <summary>One run a branch or pull request at a time: a new push cancels the run it supersedes.</summary>
        private const string GitRefExpression = "${{ github.ref }}";

        private string Workflow(IReadOnlyList<string> earlier)
        {
            var policies = earlier.Append($"{_root.Relative(_directory)}/").Distinct(StringComparer.Ordinal).ToList();
            var policyLines = string.Join("\n", policies.Select(p => $"            {p}"));
            return $$"""
                # Runs the gate on pushes to {{DefaultBranch()}} (code scanning keeps that branch's alerts to tell a pull
                # request's new ones from old) and on every pull request: SARIF to code scanning, a job summary, and the
                # policy diff. No path filter: a policy may read any file of the repository (training data, a golden set,
                # evidence, a lineage added later), and a change the filter missed would never be gated; the verdict
                # cache answers an unchanged rule in under a second. `secmlops-gate init` adds each model's policy folder.
                name: secmlops-gate
                on:
                  push:
                    branches: [{{DefaultBranch()}}]
                  pull_request:
                concurrency:
                  group: secmlops-gate-{{GitRefExpression}}
                  cancel-in-progress: true
                permissions:
                  contents: read
                  security-events: write   # SARIF upload to code scanning
                  actions: read            # code scanning reads the workflow run
                  pull-requests: write     # one comment with the policy diff, updated on each push
                jobs:
                  gate:
                    runs-on: ubuntu-latest
                    # Attacks on a large model take long on a CPU runner: raise this, or lower sampleCount and steps.
                    timeout-minutes: 60
                    steps:
                      - uses: actions/checkout@v5
                        with:
                          fetch-depth: 0   # the policy diff compares with the base commit
                      - uses: {{ToolInfo.ActionReference}}
                        with:
                          policy: |
                {{policyLines}}
                          fail-on: low
                          comment-diff: true

                """;
        }

        // A JSON string is a YAML double-quoted scalar, whatever the path holds.
        private static string Quoted(string value) => Newtonsoft.Json.JsonConvert.ToString(value);
    }
}
