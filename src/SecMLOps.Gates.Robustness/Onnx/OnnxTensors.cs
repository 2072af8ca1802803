using Google.Protobuf;
using SecMLOps.Gates.Robustness.Onnx.Proto;
using TorchSharp;

namespace SecMLOps.Gates.Robustness.Onnx;

/// <summary>Converts ONNX TensorProto initializers and constants to TorchSharp tensors.</summary>
internal static class OnnxTensors
{
    public static torch.Tensor ToTorch(TensorProto proto)
    {
        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
            throw new NotSupportedException($"tensor '{proto.Name}' keeps its data in an external file, which the gate does not read");
        var dims = proto.Dims.ToArray();
        var type = (TensorProto.Types.DataType)proto.DataType;
        var raw = proto.HasRawData ? proto.RawData.Span : ReadOnlySpan<byte>.Empty;
        return type switch
        {
            TensorProto.Types.DataType.Float => torch.tensor(raw.Length > 0 ? Cast<float>(raw) : proto.FloatData.ToArray(), dims),
            TensorProto.Types.DataType.Double => torch.tensor(raw.Length > 0 ? Cast<double>(raw) : proto.DoubleData.ToArray(), dims).to_type(torch.ScalarType.Float32),
            TensorProto.Types.DataType.Int64 => torch.tensor(raw.Length > 0 ? Cast<long>(raw) : proto.Int64Data.ToArray(), dims),
            TensorProto.Types.DataType.Int32 => torch.tensor((raw.Length > 0 ? Cast<int>(raw) : proto.Int32Data.ToArray()).Select(v => (long)v).ToArray(), dims),
            TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Bool =>
                torch.tensor((raw.Length > 0 ? raw.ToArray() : proto.Int32Data.Select(v => (byte)v).ToArray()).Select(v => (long)v).ToArray(), dims),
            _ => throw new NotSupportedException($"tensor '{proto.Name}' has element type {type}, which the gate does not read"),
        };
    }

    private static T[] Cast<T>(ReadOnlySpan<byte> bytes) where T : struct =>
        BitConverter.IsLittleEndian ? System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(bytes).ToArray()
        : throw new PlatformNotSupportedException("ONNX raw data is little-endian");
}
