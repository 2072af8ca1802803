using System.Globalization;
using SecMLOps.Gates.Inputs;

namespace SecMLOps.Gates.Data;

/// <summary>
/// CSV (optionally gzipped): one sample a line, numbers only, the label in <c>labelColumn</c>
/// (negative counts from the end), and optionally an id column of any text, which names the row and
/// is never a feature. A first line with no number in it is taken as a header. A missing value (an
/// empty cell, NaN, NA, NULL, ?) is an error at its line and column.
/// </summary>
public sealed class CsvDatasetReader : IDatasetReader
{
    private readonly string _path;
    private readonly int _labelColumn;
    private readonly int? _idColumn;
    private readonly int _columns;
    private readonly bool _hasHeader;
    private static readonly HashSet<string> MissingMarkers = new(["NA", "N/A", "NULL", "None", "nan", "?"], StringComparer.OrdinalIgnoreCase);

    public CsvDatasetReader(string path, int labelColumn, IReadOnlyList<int>? categoricalColumns = null, int? idColumn = null)
    {
        _path = path;
        using var reader = Open(path);
        var first = reader.ReadLine(1) ?? throw new InvalidDataException($"{Path.GetFileName(path)} is empty");
        var cells = first.Split(',');
        // A header has no number in it; a first row with one missing or mistyped cell is data, and is refused as such.
        _hasHeader = !cells.Where((_, c) => idColumn is not { } id || c != (id < 0 ? cells.Length + id : id))
            .Any(c => double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        _columns = cells.Length;
        var file = Path.GetFileName(path);
        _labelColumn = labelColumn < 0 ? _columns + labelColumn : labelColumn;
        if (_labelColumn < 0 || _labelColumn >= _columns)
            throw new InvalidDataException($"{file} has {_columns} columns; label column {labelColumn} does not exist");
        if (idColumn is { } declaredId)
        {
            _idColumn = declaredId < 0 ? _columns + declaredId : declaredId;
            if (_idColumn < 0 || _idColumn >= _columns || _idColumn == _labelColumn)
                throw new InvalidDataException($"{file} has {_columns} columns with the label in column {_labelColumn}; id column {declaredId} is {(_idColumn == _labelColumn ? "the label" : "not one of them")}");
        }
        FeatureCount = _columns - 1 - (_idColumn is null ? 0 : 1);
        var categorical = new List<int>();
        foreach (var declared in categoricalColumns ?? [])
        {
            var column = declared < 0 ? _columns + declared : declared;
            if (column < 0 || column >= _columns || column == _labelColumn || column == _idColumn)
                throw new InvalidDataException($"{file} has {_columns} columns with the label in column {_labelColumn}; categorical column {declared} is {(column == _labelColumn ? "the label" : column == _idColumn ? "the id column" : "not one of them")}");
            categorical.Add(column - (column > _labelColumn ? 1 : 0) - (column > _idColumn ? 1 : 0));
        }
        CategoricalFeatures = [.. categorical.Distinct().Order()];
    }

    public IReadOnlyList<int> CategoricalFeatures { get; }

    public int FeatureCount { get; }

    public long? DeclaredRows => null;

    public (double Min, double Max)? NaturalRange => null;

    public IEnumerable<LabeledBatch> ReadBatches(int batchSize)
    {
        using var reader = Open(_path);
        var line = 0;
        if (_hasHeader) { reader.ReadLine(1); line++; }
        var features = new List<float>(batchSize * FeatureCount);
        var labels = new List<int>(batchSize);
        var ids = new List<string>(_idColumn is null ? 0 : batchSize);
        var first = 0;
        for (var text = reader.ReadLine(line + 1); text is not null; text = reader.ReadLine(line + 1))
        {
            line++;
            if (text.Length == 0) continue;
            var cells = text.Split(',');
            if (cells.Length != _columns)
                throw new InvalidDataException($"{Path.GetFileName(_path)} line {line}: {cells.Length} columns, expected {_columns}");
            for (var c = 0; c < cells.Length; c++)
            {
                if (c == _idColumn)
                {
                    ids.Add(cells[c]);
                    continue;
                }
                var parsed = float.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var value);
                // A missing value is refused where it is, never read as zero or skipped: filling it in is the data owner's decision.
                if (cells[c].Trim().Length == 0 || (parsed && float.IsNaN(value)) || MissingMarkers.Contains(cells[c].Trim()))
                    throw new InvalidDataException($"{Path.GetFileName(_path)} line {line}, column {c + 1}: a missing value ('{cells[c]}'); every cell must hold a number (impute or drop the row before the check)");
                if (!parsed)
                    throw new InvalidDataException($"{Path.GetFileName(_path)} line {line}, column {c + 1}: '{cells[c]}' is not a number");
                if (c == _labelColumn)
                {
                    if (value != MathF.Round(value) || value < 0)
                        throw new InvalidDataException($"{Path.GetFileName(_path)} line {line}: label '{cells[c]}' is not a class index");
                    labels.Add((int)value);
                }
                else
                {
                    features.Add(value);
                }
            }
            if (labels.Count == batchSize)
            {
                yield return Batch(first, features, labels, ids);
                first += labels.Count;
                features.Clear();
                labels.Clear();
                ids.Clear();
            }
        }
        if (labels.Count > 0)
            yield return Batch(first, features, labels, ids);
    }

    private LabeledBatch Batch(int first, List<float> features, List<int> labels, List<string> ids) =>
        new(first, labels.Count, FeatureCount, features.ToArray(), labels.ToArray()) { RowIds = _idColumn is null ? null : ids.ToArray() };

    private static BoundedLineReader Open(string path) => new(new StreamReader(InputFiles.OpenRead(path, InputLimits.DatasetBytes)), Path.GetFileName(path));

    /// <summary>
    /// Lines of at most <see cref="InputLimits.CsvLineChars"/> characters: StreamReader.ReadLine holds a
    /// line whole, so a file of one endless line (a sparse file, a binary file named .csv) would be read
    /// into memory before any check; this refuses it once the limit is passed.
    /// </summary>
    private sealed class BoundedLineReader(StreamReader reader, string file) : IDisposable
    {
        private readonly char[] _buffer = new char[64 * 1024];
        private readonly System.Text.StringBuilder _line = new();
        private int _start;
        private int _end;

        public string? ReadLine(int number)
        {
            _line.Clear();
            while (true)
            {
                if (_start == _end)
                {
                    (_start, _end) = (0, reader.Read(_buffer, 0, _buffer.Length));
                    if (_end == 0)
                        return _line.Length > 0 ? _line.ToString() : null;
                }
                var span = _buffer.AsSpan(_start, _end - _start);
                var newline = span.IndexOf('\n');
                var take = newline < 0 ? span.Length : newline;
                if (_line.Length + take > InputLimits.CsvLineChars)
                    throw new InvalidDataException($"{file} line {number} is longer than {InputLimits.CsvLineChars} characters; a CSV dataset has one sample a line");
                _line.Append(span[..take]);
                _start += newline < 0 ? take : take + 1;
                if (newline >= 0)
                    return _line.Length > 0 && _line[^1] == '\r' ? _line.ToString(0, _line.Length - 1) : _line.ToString();
            }
        }

        public void Dispose() => reader.Dispose();
    }
}
