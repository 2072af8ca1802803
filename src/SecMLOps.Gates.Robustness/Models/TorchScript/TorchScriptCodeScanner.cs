using System.Reflection;

namespace SecMLOps.Gates.Robustness.Models.TorchScript;

/// <summary>
/// Checks the code of a TorchScript archive (code/**/*.py, the serialised TorchScript that libtorch
/// compiles on load) against an allow-list of the operators a forward pass needs
/// (torchscript-operators.txt). The source is tokenised as Python (strings, comments and line
/// continuations cannot hide a name), and every reference is judged: torch.NAME, ops.NS.NAME and
/// torch.ops.NS.NAME must be allowed operators; a method call must be a method the archive defines,
/// an allowed operator or a container method; a bare call must be a TorchScript builtin or a name the
/// file assigns; classes and functions the archive refers to under __torch__ must be its own.
/// </summary>
internal static class TorchScriptCodeScanner
{
    private static readonly (HashSet<string> Aten, HashSet<string> Prim) Operators = ReadOperators();

    private static readonly HashSet<string> BareCalls = new(StringComparer.Ordinal)
    {
        "annotate", "unchecked_cast", "uninitialized", "isinstance", "int", "float", "bool", "str", "len", "range", "list",
        "dict", "tuple", "min", "max", "abs", "round", "sum", "enumerate", "zip", "getattr", "hasattr", "divmod", "ord", "chr",
    };

    private static readonly HashSet<string> Refused = new(StringComparer.Ordinal) { "import", "from", "lambda", "global", "nonlocal", "exec", "eval", "async", "await", "yield" };

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "def", "class", "return", "if", "else", "elif", "for", "while", "in", "not", "and", "or", "is", "None", "True", "False",
        "pass", "break", "continue", "raise", "assert", "with", "as", "del", "try", "except", "finally",
    };

    /// <summary>The definitions of every code file: classes (qualified) and function or method names.</summary>
    public sealed record Definitions(HashSet<string> Classes, HashSet<string> Functions, HashSet<string> Names);

    /// <summary>Collects what the archive's code defines, for the pickles' class globals and the code's own calls.</summary>
    public static Definitions Define(IEnumerable<(string Member, string Module, string Source)> files)
    {
        var definitions = new Definitions(new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal));
        foreach (var (member, module, source) in files)
        {
            var tokens = Tokenize(member, source);
            for (var i = 0; i + 1 < tokens.Count; i++)
            {
                if (tokens[i].Kind != TokenKind.Name || tokens[i + 1].Kind != TokenKind.Name)
                    continue;
                if (tokens[i].Text == "class")
                    definitions.Classes.Add($"{module}.{tokens[i + 1].Text}");
                else if (tokens[i].Text == "def")
                {
                    definitions.Names.Add(tokens[i + 1].Text);
                    definitions.Functions.Add($"{module}.{tokens[i + 1].Text}");
                }
            }
        }
        return definitions;
    }

    public static void Scan(string member, string source, Definitions definitions)
    {
        var tokens = Tokenize(member, source);
        var assigned = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < tokens.Count; i++)
            if (tokens[i].Kind == TokenKind.Name && (tokens[i + 1].Text == "=" || (i > 0 && tokens[i - 1].Text == "for")))
                assigned.Add(tokens[i].Text);

        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.Kind != TokenKind.Name)
                continue;
            var previous = i > 0 ? tokens[i - 1] : null;
            if (previous?.Text is "def" or "class")
                continue;
            if (Refused.Contains(token.Text))
                throw new ModelContentRefusedException(member, $"line {token.Line}: '{token.Text}' has no place in a model's TorchScript code");
            if (previous?.Text == ".")
            {
                // A method or attribute of an expression: (conv1).forward(x), (x).size(0).
                if (Next(tokens, i) == "(" && !IsAllowedMethod(token.Text, definitions))
                    throw new ModelContentRefusedException(member, $"line {token.Line}: method '{token.Text}' is neither defined by the model nor an operator the gate allows");
                continue;
            }
            var chain = new List<string> { token.Text };
            var end = i;
            while (end + 2 < tokens.Count && tokens[end + 1].Text == "." && tokens[end + 2].Kind == TokenKind.Name)
            {
                chain.Add(tokens[end + 2].Text);
                end += 2;
            }
            var called = Next(tokens, end) == "(";
            Judge(member, token.Line, chain, called, assigned, definitions);
            i = end;
        }
    }

    private static void Judge(string member, int line, List<string> chain, bool called, HashSet<string> assigned, Definitions definitions)
    {
        var name = string.Join('.', chain);
        switch (chain[0])
        {
            case "torch" or "ops":
                if (!IsAllowedOperator(chain))
                    throw new ModelContentRefusedException(member, $"line {line}: {name} is not an operator a forward pass needs (the gate allows computing on tensors and values only: no file, storage, process, network or printing operators)");
                return;
            case "__torch__":
                if (name.StartsWith("__torch__.torch.classes", StringComparison.Ordinal))
                    throw new ModelContentRefusedException(member, $"line {line}: {name} is a C++ class registered with libtorch; the gate refuses models that use one");
                if (!definitions.Classes.Contains(name) && !definitions.Functions.Contains(name))
                    throw new ModelContentRefusedException(member, $"line {line}: {name} is not defined by the model's own code");
                return;
        }
        if (Keywords.Contains(chain[0]))
            return;
        if (chain.Count == 1)
        {
            if (called && !BareCalls.Contains(name) && !assigned.Contains(name))
                throw new ModelContentRefusedException(member, $"line {line}: call of '{name}', which is neither a TorchScript builtin the gate allows nor a value the code assigns");
            return;
        }
        // self.layer.forward(x), x.size(0): the last name is a method when called.
        if (called && !IsAllowedMethod(chain[^1], definitions))
            throw new ModelContentRefusedException(member, $"line {line}: method '{chain[^1]}' of {string.Join('.', chain[..^1])} is neither defined by the model nor an operator the gate allows");
    }

    private static bool IsAllowedOperator(List<string> chain)
    {
        // torch.NAME, torch._C._nn.NAME (and the other torch._C._ namespaces), ops.NS.NAME, torch.ops.NS.NAME.
        var parts = chain[0] == "torch" && chain.Count > 1 && chain[1] == "ops" ? chain.Skip(1).ToList() : chain;
        if (parts[0] == "ops")
            return parts.Count == 3 && parts[1] switch
            {
                "aten" => IsAten(parts[2]),
                "prim" => Operators.Prim.Contains(parts[2]),
                _ => false,
            };
        if (parts.Count == 2)
            return IsAten(parts[1]);
        return parts.Count == 4 && parts[1] == "_C" && parts[2] is "_nn" or "_fft" or "_linalg" or "_special" && IsAten(parts[3]);
    }

    private static bool IsAten(string name) =>
        Operators.Aten.Contains(name) || (name.EndsWith('_') && !name.EndsWith("__", StringComparison.Ordinal) && Operators.Aten.Contains(name[..^1]));

    private static bool IsAllowedMethod(string name, Definitions definitions) => definitions.Names.Contains(name) || IsAten(name);

    private static string? Next(List<Token> tokens, int i) => i + 1 < tokens.Count ? tokens[i + 1].Text : null;

    private enum TokenKind { Name, String, Number, Punctuation }

    private sealed record Token(TokenKind Kind, string Text, int Line);

    /// <summary>Python's lexical structure, as far as it decides what is a name: strings and comments are skipped whole.</summary>
    private static List<Token> Tokenize(string member, string source)
    {
        var tokens = new List<Token>();
        var line = 1;
        var i = 0;
        while (i < source.Length)
        {
            var c = source[i];
            if (c == '\n') { line++; i++; continue; }
            if (c is ' ' or '\t' or '\r' or '\f') { i++; continue; }
            if (c == '\\' && i + 1 < source.Length && source[i + 1] is '\n' or '\r') { i++; continue; }
            if (c == '#')
            {
                while (i < source.Length && source[i] != '\n') i++;
                continue;
            }
            if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = i;
                while (i < source.Length && (char.IsAsciiLetterOrDigit(source[i]) || source[i] == '_')) i++;
                var word = source[start..i];
                if (i < source.Length && source[i] is '\'' or '"')
                {
                    if (word.ToLowerInvariant() is not ("r" or "b" or "u" or "rb" or "br"))
                        throw new ModelContentRefusedException(member, $"line {line}: string prefix '{word}' (formatted or unknown string literals are refused)");
                    i = SkipString(member, source, i, ref line);
                    tokens.Add(new Token(TokenKind.String, "", line));
                    continue;
                }
                tokens.Add(new Token(TokenKind.Name, word, line));
                continue;
            }
            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < source.Length && char.IsAsciiDigit(source[i + 1])))
            {
                // An exponent's sign belongs to a decimal number (1e-05), never to a hexadecimal one (0x1e - 5).
                var hexadecimal = c == '0' && i + 1 < source.Length && source[i + 1] is 'x' or 'X';
                while (i < source.Length && (char.IsAsciiLetterOrDigit(source[i]) || source[i] is '.' or '_'
                       || (!hexadecimal && source[i] is '+' or '-' && source[i - 1] is 'e' or 'E'))) i++;
                tokens.Add(new Token(TokenKind.Number, "", line));
                continue;
            }
            if (c is '\'' or '"')
            {
                i = SkipString(member, source, i, ref line);
                tokens.Add(new Token(TokenKind.String, "", line));
                continue;
            }
            if (c > '\x7f' || char.IsControl(c))
                throw new ModelContentRefusedException(member, $"line {line}: character U+{(int)c:X4} outside a string");
            var two = i + 1 < source.Length ? source.Substring(i, 2) : "";
            if (two is "==" or "!=" or "<=" or ">=" or "->" or "**" or "//" or "<<" or ">>" or "+=" or "-=" or "*=" or "/=")
            {
                tokens.Add(new Token(TokenKind.Punctuation, two, line));
                i += 2;
                continue;
            }
            tokens.Add(new Token(TokenKind.Punctuation, c.ToString(), line));
            i++;
        }
        return tokens;
    }

    private static int SkipString(string member, string source, int i, ref int line)
    {
        var quote = source[i];
        var triple = i + 2 < source.Length && source[i + 1] == quote && source[i + 2] == quote;
        var startLine = line;
        i += triple ? 3 : 1;
        while (i < source.Length)
        {
            var c = source[i];
            if (c == '\\') { if (i + 1 < source.Length && source[i + 1] == '\n') line++; i += 2; continue; }
            if (c == '\n')
            {
                if (!triple) break;
                line++;
            }
            if (c == quote && (!triple || (i + 2 < source.Length && source[i + 1] == quote && source[i + 2] == quote)))
                return i + (triple ? 3 : 1);
            i++;
        }
        throw new ModelContentRefusedException(member, $"line {startLine}: a string that does not end");
    }

    private static (HashSet<string>, HashSet<string>) ReadOperators()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("SecMLOps.Gates.Robustness.torchscript-operators.txt")
            ?? throw new InvalidOperationException("the TorchScript operator allow-list is not embedded");
        using var reader = new StreamReader(stream);
        var sections = new Dictionary<string, HashSet<string>> { ["aten"] = new(StringComparer.Ordinal), ["prim"] = new(StringComparer.Ordinal) };
        HashSet<string>? current = null;
        while (reader.ReadLine() is { } text)
        {
            text = text.Trim();
            if (text.Length == 0 || text.StartsWith('#'))
                continue;
            if (text.StartsWith('['))
                current = sections[text.Trim('[', ']')];
            else
                current!.UnionWith(text.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }
        return (sections["aten"], sections["prim"]);
    }
}
