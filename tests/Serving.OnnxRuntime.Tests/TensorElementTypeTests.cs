namespace Serving.OnnxRuntime.Tests;

public sealed class TensorElementTypeTests
{
    [Theory]
    [InlineData("BOOL", TensorElementType.Bool, 1)]
    [InlineData("UINT8", TensorElementType.UInt8, 1)]
    [InlineData("UINT16", TensorElementType.UInt16, 2)]
    [InlineData("UINT32", TensorElementType.UInt32, 4)]
    [InlineData("UINT64", TensorElementType.UInt64, 8)]
    [InlineData("INT8", TensorElementType.Int8, 1)]
    [InlineData("INT16", TensorElementType.Int16, 2)]
    [InlineData("INT32", TensorElementType.Int32, 4)]
    [InlineData("INT64", TensorElementType.Int64, 8)]
    [InlineData("FP16", TensorElementType.Float16, 2)]
    [InlineData("FP32", TensorElementType.Float, 4)]
    [InlineData("FP64", TensorElementType.Double, 8)]
    [InlineData("BF16", TensorElementType.BFloat16, 2)]
    [InlineData("BYTES", TensorElementType.String, 0)]
    public void KServeDatatype_MapsBothWaysWithElementSize(string datatype, TensorElementType type, int size)
    {
        Assert.True(TensorElementTypes.TryParseKServeDatatype(datatype, out TensorElementType parsed));
        Assert.Equal(type, parsed);
        Assert.Equal(datatype, type.ToKServeDatatype());
        Assert.Equal(size, type.ElementSize());
    }

    [Fact]
    public void KServeDatatype_Unknown_IsRejected()
    {
        Assert.False(TensorElementTypes.TryParseKServeDatatype("fp32", out _));
        Assert.Throws<NotSupportedException>(() => TensorElementType.Complex64.ToKServeDatatype());
    }

    [Fact]
    public void NamedTensor_DataLengthNotMatchingShape_IsRejectedBeforeOrt()
    {
        var e = Assert.Throws<ArgumentException>(() => new NamedTensor("x", TensorElementType.Float, [2, 3], new byte[20]));
        Assert.Contains("needs 24 bytes", e.Message);
    }
}
