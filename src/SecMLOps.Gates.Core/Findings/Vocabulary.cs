namespace SecMLOps.Gates.Findings;

/// <summary>
/// The words the policy files use for the values of an enum, kept in one table and read both ways.
/// The schemas' enums list the same words (a test compares them), so a word that reaches
/// <see cref="Parse"/> and is not here is a defect of the tool: it throws rather than fall back on
/// some value, which could pass what a policy meant to block.
/// </summary>
public sealed class Vocabulary<TEnum> where TEnum : struct, Enum
{
    private readonly (TEnum Value, string Word)[] _entries;

    public Vocabulary(params (TEnum Value, string Word)[] entries)
    {
        var missing = Enum.GetValues<TEnum>().Except(entries.Select(e => e.Value)).ToList();
        if (missing.Count > 0)
            throw new ArgumentException($"{typeof(TEnum).Name} has no word for {string.Join(", ", missing)}", nameof(entries));
        _entries = entries;
    }

    /// <summary>In declaration order of the table.</summary>
    public IReadOnlyList<string> All => _entries.Select(e => e.Word).ToList();

    public TEnum Parse(string word) =>
        _entries.FirstOrDefault(e => e.Word == word) is { Word: not null } entry
            ? entry.Value
            : throw new InvalidOperationException($"'{word}' is not a {typeof(TEnum).Name} word ({string.Join(", ", All)}); the schema should have refused it");

    public string Word(TEnum value) => _entries.First(e => EqualityComparer<TEnum>.Default.Equals(e.Value, value)).Word;
}
