using System.Reflection;
using System.Reflection.Emit;

namespace SecMLOps.Gates.Tests.Support;

/// <summary>
/// Which namespaces of an assembly use which, read from the compiled code: every type named in a
/// signature, a base type, a field, a local, or an instruction of a method body (compiler-made
/// closures count for the type that holds them). Reading IL rather than source catches what a
/// namespace reaches through its parent's scope or a fully qualified name.
/// </summary>
public sealed class NamespaceGraph
{
    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    private readonly Assembly _assembly;

    /// <summary>For each namespace, the namespaces it uses, each with one use as evidence ("Type uses Other").</summary>
    public Dictionary<string, Dictionary<string, string>> Edges { get; } = new(StringComparer.Ordinal);

    public NamespaceGraph(Assembly assembly)
    {
        _assembly = assembly;
        foreach (var type in assembly.GetTypes())
        {
            var from = NamespaceOf(type);
            if (from is null)
                continue;
            foreach (var used in Uses(type).SelectMany(Flatten).Distinct())
            {
                if (used.Assembly != assembly || NamespaceOf(used) is not { } to || to == from)
                    continue;
                if (!Edges.TryGetValue(from, out var targets))
                    Edges[from] = targets = new Dictionary<string, string>(StringComparer.Ordinal);
                targets.TryAdd(to, $"{type.FullName} uses {used.FullName}");
            }
        }
    }

    /// <summary>Sets of namespaces that reach each other (strongly connected, two or more), each with the evidence of its edges.</summary>
    public IReadOnlyList<string> Cycles()
    {
        var nodes = Edges.Keys.Union(Edges.Values.SelectMany(v => v.Keys)).Order(StringComparer.Ordinal).ToList();
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var cycles = new List<string>();
        void Visit(string node)
        {
            index[node] = low[node] = index.Count;
            stack.Push(node);
            foreach (var next in Edges.GetValueOrDefault(node)?.Keys ?? Enumerable.Empty<string>())
            {
                if (!index.ContainsKey(next))
                {
                    Visit(next);
                    low[node] = Math.Min(low[node], low[next]);
                }
                else if (stack.Contains(next))
                    low[node] = Math.Min(low[node], index[next]);
            }
            if (low[node] != index[node])
                return;
            var component = new List<string>();
            string member;
            do
            {
                member = stack.Pop();
                component.Add(member);
            } while (member != node);
            if (component.Count > 1)
                cycles.Add(string.Join("\n", component.SelectMany(a => Edges[a].Where(e => component.Contains(e.Key)).Select(e => $"  {a} -> {e.Key} ({e.Value})"))));
        }
        foreach (var node in nodes.Where(n => !index.ContainsKey(n)))
            Visit(node);
        return cycles;
    }

    private static string? NamespaceOf(Type type)
    {
        while (type.DeclaringType is { } outer)
            type = outer;
        return type.Namespace;
    }

    private static IEnumerable<Type> Flatten(Type type)
    {
        if (type.HasElementType)
            return Flatten(type.GetElementType()!);
        if (type.IsGenericParameter)
            return [];
        return type.IsGenericType && !type.IsGenericTypeDefinition
            ? type.GetGenericArguments().SelectMany(Flatten).Prepend(type.GetGenericTypeDefinition())
            : [type];
    }

    private IEnumerable<Type> Uses(Type type)
    {
        if (type.BaseType is { } baseType)
            yield return baseType;
        foreach (var face in type.GetInterfaces())
            yield return face;
        foreach (var field in type.GetFields(Everything))
            yield return field.FieldType;
        foreach (var property in type.GetProperties(Everything))
            yield return property.PropertyType;
        foreach (var method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
        {
            if (method is MethodInfo info)
                yield return info.ReturnType;
            foreach (var parameter in method.GetParameters())
                yield return parameter.ParameterType;
            foreach (var used in BodyUses(type, method))
                yield return used;
        }
    }

    private IEnumerable<Type> BodyUses(Type type, MethodBase method)
    {
        var body = method.GetMethodBody();
        if (body is null)
            return [];
        var used = body.LocalVariables.Select(l => l.LocalType).ToList();
        var il = body.GetILAsByteArray() ?? [];
        var typeArguments = type.IsGenericType ? type.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var at = 0; at < il.Length;)
        {
            var value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            at += il[at] == 0xFE ? 2 : 1;
            var code = OpCodesByValue[value];
            var size = code.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
                _ => 4,
            };
            if (code.OperandType is OperandType.InlineType or OperandType.InlineTok or OperandType.InlineMethod or OperandType.InlineField)
            {
                var token = BitConverter.ToInt32(il, at);
                try
                {
                    switch (_assembly.ManifestModule.ResolveMember(token, typeArguments, methodArguments))
                    {
                        case Type t:
                            used.Add(t);
                            break;
                        case MethodBase m:
                            used.Add(m.DeclaringType!);
                            if (m is MethodInfo mi)
                                used.Add(mi.ReturnType);
                            used.AddRange(m.GetParameters().Select(p => p.ParameterType));
                            if (m.IsGenericMethod)
                                used.AddRange(m.GetGenericArguments());
                            break;
                        case FieldInfo f:
                            used.Add(f.DeclaringType!);
                            used.Add(f.FieldType);
                            break;
                    }
                }
                catch (ArgumentException)
                {
                    // A token of another module's generic context; what it names is in a signature too.
                }
            }
            at += size;
        }
        return used;
    }
}
