using System.Globalization;
using System.Text;

namespace SecMLOps.Gates.Documents;

/// <summary>
/// Text as a reviewer sees it rather than as it is encoded: compatibility forms folded (fullwidth
/// letters, ligatures), invisible format characters and combining marks dropped, letters of other
/// scripts that look like Latin ones replaced by those, and Latin glyphs that read alike made one
/// (I, l, 1 and |; O and 0; rn and m). Two names with one skeleton look the same on screen, so a file
/// whose apiVersion or kind is a look-alike of ours is one of ours with a mistake, never someone else's.
/// </summary>
public static class LookAlike
{
    /// <summary>Cyrillic and Greek letters drawn like Latin ones, and Latin variants of i, l and s.</summary>
    private static readonly Dictionary<char, char> Homoglyphs = new()
    {
        ['а'] = 'a', ['в'] = 'B', ['е'] = 'e', ['о'] = 'o', ['р'] = 'p', ['с'] = 'c', ['у'] = 'y', ['х'] = 'x', ['ѕ'] = 's', ['і'] = 'i',
        ['ј'] = 'j', ['ԁ'] = 'd', ['һ'] = 'h', ['ӏ'] = 'l', ['ԛ'] = 'q', ['ԝ'] = 'w', ['м'] = 'M', ['т'] = 'T', ['к'] = 'k', ['н'] = 'H',
        ['А'] = 'A', ['В'] = 'B', ['Е'] = 'E', ['К'] = 'K', ['М'] = 'M', ['Н'] = 'H', ['О'] = 'O', ['Р'] = 'P', ['С'] = 'C', ['Т'] = 'T',
        ['Х'] = 'X', ['Ѕ'] = 'S', ['І'] = 'l', ['Ј'] = 'J', ['Ԁ'] = 'D', ['Ӏ'] = 'l',
        ['α'] = 'a', ['ο'] = 'o', ['ρ'] = 'p', ['ν'] = 'v', ['ι'] = 'i', ['κ'] = 'k', ['υ'] = 'u', ['χ'] = 'x', ['ε'] = 'e', ['τ'] = 't',
        ['Α'] = 'A', ['Β'] = 'B', ['Ε'] = 'E', ['Ζ'] = 'Z', ['Η'] = 'H', ['Ι'] = 'l', ['Κ'] = 'K', ['Μ'] = 'M', ['Ν'] = 'N', ['Ο'] = 'O',
        ['Ρ'] = 'P', ['Τ'] = 'T', ['Υ'] = 'Y', ['Χ'] = 'X',
        ['ı'] = 'i', ['ɩ'] = 'i', ['ł'] = 'l', ['ſ'] = 's', ['ʟ'] = 'l', ['ɡ'] = 'g',
        ['I'] = 'l', ['1'] = 'l', ['|'] = 'l', ['0'] = 'o',
    };

    public static string Skeleton(string text)
    {
        var folded = new StringBuilder(text.Length);
        foreach (var c in text.Normalize(NormalizationForm.FormKD))
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Format or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.SpacingCombiningMark)
                continue;
            folded.Append(char.ToLowerInvariant(Homoglyphs.GetValueOrDefault(c, c)));
        }
        return folded.ToString().Replace("rn", "m", StringComparison.Ordinal).Replace("vv", "w", StringComparison.Ordinal);
    }

    /// <summary>Whether <paramref name="text"/> looks like <paramref name="name"/>: the same skeleton, or one at most <paramref name="edits"/> letters away (a typo on top).</summary>
    public static bool Resembles(string text, string name, int edits)
    {
        var (a, b) = (Skeleton(text), Skeleton(name));
        return a == b || (Math.Abs(a.Length - b.Length) <= edits && Distance(a, b) <= edits);
    }

    /// <summary>Levenshtein distance (insertions, deletions and substitutions), one row at a time.</summary>
    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var (diagonal, row0) = (row[0], i);
            row[0] = row0;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
