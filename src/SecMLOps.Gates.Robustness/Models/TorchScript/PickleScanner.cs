using System.Buffers.Binary;
using System.Text;

namespace SecMLOps.Gates.Robustness.Models.TorchScript;

/// <summary>
/// Reads a pickle of a TorchScript archive opcode by opcode, executing nothing. Only the opcodes
/// libtorch's own unpickler implements (protocol 2) are accepted, and a GLOBAL only when it names
/// one of the few functions and types a TorchScript archive legitimately holds, or a class defined
/// by the archive's own code (whose operators <see cref="TorchScriptCodeScanner"/> checks). Any
/// other opcode or global (<c>posix.system</c>, <c>builtins.eval</c>, <c>operator.methodcaller</c>, ...) is
/// refused by name: this is an allow-list, never a list of known gadgets.
/// </summary>
internal static class PickleScanner
{
    private static readonly HashSet<string> AllowedGlobals = new(StringComparer.Ordinal)
    {
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_qtensor",
        "torch._utils._rebuild_sparse_tensor",
        "torch._tensor._rebuild_from_type_v2",
        "torch.jit._pickle.build_tensor_from_id",
        "torch.jit._pickle.restore_type_tag",
        "torch.jit._pickle.build_intlist",
        "torch.jit._pickle.build_tensorlist",
        "torch.jit._pickle.build_doublelist",
        "torch.jit._pickle.build_boollist",
        "collections.OrderedDict",
        "builtins.complex",
        "torch.device",
        "torch.Tensor",
        "torch.per_tensor_affine",
        "torch.per_channel_affine",
        "torch.per_tensor_symmetric",
        "torch.per_channel_symmetric",
        "torch.per_channel_affine_float_qparams",
    };

    /// <summary>The element types of torch.*Storage globals (libtorch maps each to a scalar type and runs nothing).</summary>
    private static readonly HashSet<string> StorageTypes = new(StringComparer.Ordinal)
    {
        "Byte", "Char", "Short", "Int", "Long", "Half", "Float", "Double", "ComplexHalf", "ComplexFloat", "ComplexDouble",
        "Bool", "QInt8", "QUInt8", "QInt32", "BFloat16", "QUInt4x2", "QUInt2x4", "Bits1x8", "Bits2x4", "Bits4x2", "Bits8", "Bits16",
        "Float8_e5m2", "Float8_e4m3fn", "Float8_e5m2fnuz", "Float8_e4m3fnuz", "UInt16", "UInt32", "UInt64",
    };

    /// <summary>Checks every opcode; <paramref name="definedClasses"/> are the archive's own classes, by qualified name.</summary>
    public static void Scan(string member, ReadOnlySpan<byte> pickle, IReadOnlySet<string> definedClasses)
    {
        var at = 0;
        if (pickle.Length < 2 || pickle[0] != 0x80 || pickle[1] != 2)
            throw new ModelContentRefusedException(member, "not a protocol-2 pickle, the only kind TorchScript writes");
        at = 2;
        while (true)
        {
            if (at >= pickle.Length)
                throw new ModelContentRefusedException(member, "the pickle ends without a STOP opcode");
            var opcode = pickle[at];
            var offset = at;
            at++;
            switch (opcode)
            {
                case (byte)'.':
                    if (at != pickle.Length)
                        throw new ModelContentRefusedException(member, $"{pickle.Length - at} bytes follow the pickle's STOP opcode");
                    return;
                case (byte)']' or (byte)')' or (byte)'(' or 0x88 or 0x89 or (byte)'N' or (byte)'t' or 0x85 or 0x86 or 0x87
                    or (byte)'}' or (byte)'e' or (byte)'l' or (byte)'d' or (byte)'u' or 0x81 or (byte)'b' or (byte)'R' or (byte)'Q' or (byte)'s':
                    break;
                case (byte)'q' or (byte)'K' or (byte)'h':
                    at = Skip(member, pickle, at, 1);
                    break;
                case (byte)'M':
                    at = Skip(member, pickle, at, 2);
                    break;
                case (byte)'r' or (byte)'J' or (byte)'j':
                    at = Skip(member, pickle, at, 4);
                    break;
                case (byte)'G':
                    at = Skip(member, pickle, at, 8);
                    break;
                case 0x8a: // LONG1: libtorch reads only 8-byte integers
                    at = Skip(member, pickle, at, 1);
                    if (pickle[at - 1] != 8)
                        throw new ModelContentRefusedException(member, $"a LONG1 of {pickle[at - 1]} bytes at offset {offset}; TorchScript writes 8");
                    at = Skip(member, pickle, at, 8);
                    break;
                case (byte)'X':
                    at = Skip(member, pickle, at, 4);
                    var length = BinaryPrimitives.ReadUInt32LittleEndian(pickle[(at - 4)..]);
                    if (length > (uint)(pickle.Length - at))
                        throw new ModelContentRefusedException(member, $"a string at offset {offset} runs past the end of the pickle");
                    at += (int)length;
                    break;
                case (byte)'c':
                    var module = Line(member, pickle, ref at);
                    var name = Line(member, pickle, ref at);
                    CheckGlobal(member, module, name, definedClasses);
                    break;
                default:
                    throw new ModelContentRefusedException(member,
                        $"pickle opcode 0x{opcode:x2} ('{(opcode is >= 0x20 and < 0x7f ? (char)opcode : '?')}') at offset {offset} is not one libtorch's unpickler reads for TorchScript");
            }
        }
    }

    private static void CheckGlobal(string member, string module, string name, IReadOnlySet<string> definedClasses)
    {
        var qualified = $"{module}.{name}";
        if (AllowedGlobals.Contains(qualified))
            return;
        if (module == "torch" && name.EndsWith("Storage", StringComparison.Ordinal) && StorageTypes.Contains(name[..^"Storage".Length]))
            return;
        if (module.StartsWith("__torch__.torch.classes", StringComparison.Ordinal))
            throw new ModelContentRefusedException(member, $"pickle global {qualified} is a C++ class registered with libtorch, whose state-restoring code runs natively; the gate refuses it");
        if ((module == "__torch__" || module.StartsWith("__torch__.", StringComparison.Ordinal)) && definedClasses.Contains(qualified))
            return;
        throw new ModelContentRefusedException(member, $"pickle global {qualified} is not a function, type or class a TorchScript archive holds (unpickling it could run code); the gate refuses the model");
    }

    private static int Skip(string member, ReadOnlySpan<byte> pickle, int at, int count) =>
        count <= pickle.Length - at ? at + count : throw new ModelContentRefusedException(member, "the pickle ends inside an opcode's argument");

    private static string Line(string member, ReadOnlySpan<byte> pickle, ref int at)
    {
        var end = pickle[at..].IndexOf((byte)'\n');
        if (end < 0 || end > 512)
            throw new ModelContentRefusedException(member, "a GLOBAL opcode's name is not a line of at most 512 bytes");
        var text = Encoding.ASCII.GetString(pickle.Slice(at, end));
        at += end + 1;
        return text;
    }
}
