using Serving.Protocol.Inference;

namespace Serving.Worker.Repository;

/// <summary>
/// The KServe v2 datatype strings and their Triton <see cref="DataType"/> numbers.
/// </summary>
/// <remarks>BYTES is Triton's TYPE_STRING; its elements have no fixed size.</remarks>
public static class TensorDataTypes
{
    private static readonly Dictionary<string, (DataType Proto, int ElementSize)> Known = new(StringComparer.Ordinal)
    {
        ["BOOL"] = (DataType.TypeBool, 1),
        ["UINT8"] = (DataType.TypeUint8, 1),
        ["UINT16"] = (DataType.TypeUint16, 2),
        ["UINT32"] = (DataType.TypeUint32, 4),
        ["UINT64"] = (DataType.TypeUint64, 8),
        ["INT8"] = (DataType.TypeInt8, 1),
        ["INT16"] = (DataType.TypeInt16, 2),
        ["INT32"] = (DataType.TypeInt32, 4),
        ["INT64"] = (DataType.TypeInt64, 8),
        ["FP16"] = (DataType.TypeFp16, 2),
        ["FP32"] = (DataType.TypeFp32, 4),
        ["FP64"] = (DataType.TypeFp64, 8),
        ["BF16"] = (DataType.TypeBf16, 2),
        ["BYTES"] = (DataType.TypeString, 0),
    };

    /// <summary>Every accepted datatype string.</summary>
    public static IReadOnlyCollection<string> All => Known.Keys;

    /// <summary>Whether <paramref name="datatype"/> is a KServe datatype (case-sensitive, as on the wire).</summary>
    public static bool IsKnown(string datatype) => Known.ContainsKey(datatype);

    /// <summary>The Triton enum value; <see cref="DataType.TypeInvalid"/> for unknown strings.</summary>
    public static DataType ToProto(string datatype) =>
        Known.TryGetValue(datatype, out var entry) ? entry.Proto : DataType.TypeInvalid;

    /// <summary>Bytes per element; 0 for BYTES and unknown strings.</summary>
    public static int ElementSize(string datatype) =>
        Known.TryGetValue(datatype, out var entry) ? entry.ElementSize : 0;
}
