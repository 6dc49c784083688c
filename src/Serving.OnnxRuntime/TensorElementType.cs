namespace Serving.OnnxRuntime;

/// <summary>Tensor element types, numbered as ONNX's <c>TensorProto.DataType</c> (and ORT's C enum).</summary>
public enum TensorElementType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
}

/// <summary>Element sizes and the KServe v2 datatype names of <see cref="TensorElementType"/>.</summary>
public static class TensorElementTypes
{
    /// <summary>Bytes per element; 0 for <see cref="TensorElementType.String"/> (variable length) and unsupported types.</summary>
    public static int ElementSize(this TensorElementType type) => type switch
    {
        TensorElementType.Bool or TensorElementType.UInt8 or TensorElementType.Int8 => 1,
        TensorElementType.UInt16 or TensorElementType.Int16 or TensorElementType.Float16 or TensorElementType.BFloat16 => 2,
        TensorElementType.UInt32 or TensorElementType.Int32 or TensorElementType.Float => 4,
        TensorElementType.UInt64 or TensorElementType.Int64 or TensorElementType.Double => 8,
        _ => 0,
    };

    /// <summary>The KServe v2 / Open Inference Protocol datatype ("FP32", "BYTES", ...).</summary>
    /// <exception cref="NotSupportedException">The protocol has no datatype for <paramref name="type"/> (complex types).</exception>
    public static string ToKServeDatatype(this TensorElementType type) => type switch
    {
        TensorElementType.Bool => "BOOL",
        TensorElementType.UInt8 => "UINT8",
        TensorElementType.UInt16 => "UINT16",
        TensorElementType.UInt32 => "UINT32",
        TensorElementType.UInt64 => "UINT64",
        TensorElementType.Int8 => "INT8",
        TensorElementType.Int16 => "INT16",
        TensorElementType.Int32 => "INT32",
        TensorElementType.Int64 => "INT64",
        TensorElementType.Float16 => "FP16",
        TensorElementType.Float => "FP32",
        TensorElementType.Double => "FP64",
        TensorElementType.BFloat16 => "BF16",
        TensorElementType.String => "BYTES",
        _ => throw new NotSupportedException($"The KServe v2 protocol has no datatype for ONNX element type {type}."),
    };

    /// <summary>Parses a KServe v2 datatype name (case-sensitive, as the protocol spells it).</summary>
    public static bool TryParseKServeDatatype(string datatype, out TensorElementType type)
    {
        type = datatype switch
        {
            "BOOL" => TensorElementType.Bool,
            "UINT8" => TensorElementType.UInt8,
            "UINT16" => TensorElementType.UInt16,
            "UINT32" => TensorElementType.UInt32,
            "UINT64" => TensorElementType.UInt64,
            "INT8" => TensorElementType.Int8,
            "INT16" => TensorElementType.Int16,
            "INT32" => TensorElementType.Int32,
            "INT64" => TensorElementType.Int64,
            "FP16" => TensorElementType.Float16,
            "FP32" => TensorElementType.Float,
            "FP64" => TensorElementType.Double,
            "BF16" => TensorElementType.BFloat16,
            "BYTES" => TensorElementType.String,
            _ => TensorElementType.Undefined,
        };
        return type != TensorElementType.Undefined;
    }

    /// <summary>The element type of a CLR element type (<see cref="float"/> -> Float, <see cref="Half"/> -> Float16, ...).</summary>
    /// <exception cref="NotSupportedException">No ONNX element type has <typeparamref name="T"/>'s layout; BF16 has no CLR type, pass bytes.</exception>
    public static TensorElementType Of<T>()
        where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return TensorElementType.Float;
        if (typeof(T) == typeof(double)) return TensorElementType.Double;
        if (typeof(T) == typeof(byte)) return TensorElementType.UInt8;
        if (typeof(T) == typeof(sbyte)) return TensorElementType.Int8;
        if (typeof(T) == typeof(ushort)) return TensorElementType.UInt16;
        if (typeof(T) == typeof(short)) return TensorElementType.Int16;
        if (typeof(T) == typeof(uint)) return TensorElementType.UInt32;
        if (typeof(T) == typeof(int)) return TensorElementType.Int32;
        if (typeof(T) == typeof(ulong)) return TensorElementType.UInt64;
        if (typeof(T) == typeof(long)) return TensorElementType.Int64;
        if (typeof(T) == typeof(bool)) return TensorElementType.Bool;
        if (typeof(T) == typeof(Half)) return TensorElementType.Float16;
        throw new NotSupportedException($"{typeof(T)} has no ONNX tensor element type; pass its bytes with an explicit element type.");
    }

    /// <summary>Number of elements of <paramref name="shape"/> (1 for a scalar); throws on negative dimensions.</summary>
    public static long ElementCount(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Shape [{string.Join(",", shape.ToArray())}] has a negative dimension; give concrete sizes.", nameof(shape));
            }

            count = checked(count * d);
        }

        return count;
    }
}
