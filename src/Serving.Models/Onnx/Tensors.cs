using System.Runtime.InteropServices;
using Google.Protobuf;
using Serving.Models.Onnx.Proto;

namespace Serving.Models.Onnx;

/// <summary>Builds <see cref="TensorProto"/> values (initializers and constants) with little-endian raw data.</summary>
/// <remarks>
/// Raw data is the compact form the runtime reads fastest; ONNX defines it as little-endian, which
/// is what <see cref="MemoryMarshal.AsBytes{T}(ReadOnlySpan{T})"/> gives on the platforms we run on.
/// </remarks>
public static class Tensors
{
    public static TensorProto Float(string name, ReadOnlySpan<long> dims, ReadOnlySpan<float> data) =>
        Raw(name, OnnxDataType.Float, dims, MemoryMarshal.AsBytes(data), data.Length);

    public static TensorProto Int64(string name, ReadOnlySpan<long> dims, ReadOnlySpan<long> data) =>
        Raw(name, OnnxDataType.Int64, dims, MemoryMarshal.AsBytes(data), data.Length);

    public static TensorProto Int32(string name, ReadOnlySpan<long> dims, ReadOnlySpan<int> data) =>
        Raw(name, OnnxDataType.Int32, dims, MemoryMarshal.AsBytes(data), data.Length);

    public static TensorProto Bool(string name, ReadOnlySpan<long> dims, ReadOnlySpan<bool> data) =>
        Raw(name, OnnxDataType.Bool, dims, MemoryMarshal.AsBytes(data), data.Length);

    /// <summary>A scalar (rank 0) tensor.</summary>
    public static TensorProto ScalarFloat(string name, float value) => Float(name, [], [value]);

    /// <summary>A scalar (rank 0) tensor.</summary>
    public static TensorProto ScalarBool(string name, bool value) => Bool(name, [], [value]);

    /// <summary>
    /// A float tensor with seeded values drawn uniformly from [-scale, scale]: synthetic weights
    /// that are reproducible from the seed.
    /// </summary>
    public static TensorProto RandomFloat(string name, ReadOnlySpan<long> dims, Random random, float scale)
    {
        ArgumentNullException.ThrowIfNull(random);
        var data = new float[checked((int)ElementCount(dims))];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)((random.NextDouble() * 2.0 - 1.0) * scale);
        }

        return Float(name, dims, data);
    }

    /// <summary>The number of elements of a shape (1 for a scalar).</summary>
    public static long ElementCount(ReadOnlySpan<long> dims)
    {
        long count = 1;
        foreach (var d in dims)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d);
            count = checked(count * d);
        }

        return count;
    }

    private static TensorProto Raw(string name, OnnxDataType type, ReadOnlySpan<long> dims, ReadOnlySpan<byte> bytes, int elements)
    {
        if (ElementCount(dims) != elements)
        {
            throw new ArgumentException(
                $"tensor '{name}': shape [{string.Join(",", dims.ToArray())}] holds {ElementCount(dims)} elements but {elements} were given");
        }

        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims.ToArray());
        return tensor;
    }
}
