using Serving.OnnxRuntime.Tests.Infrastructure;

namespace Serving.OnnxRuntime.Tests;

/// <summary>Every element type the KServe v2 protocol carries goes into ORT and comes back unchanged.</summary>
public sealed class ElementTypeTests
{
    public static TheoryData<TensorElementType> NumericTypes =>
    [
        TensorElementType.Bool, TensorElementType.UInt8, TensorElementType.UInt16, TensorElementType.UInt32,
        TensorElementType.UInt64, TensorElementType.Int8, TensorElementType.Int16, TensorElementType.Int32,
        TensorElementType.Int64, TensorElementType.Float16, TensorElementType.Float, TensorElementType.Double,
        TensorElementType.BFloat16,
    ];

    [Theory]
    [MemberData(nameof(NumericTypes))]
    public void Run_IdentityModel_ReturnsInputBytesForEachNumericType(TensorElementType type)
    {
        using InferenceSession session = TestEnvironment.CreateSession(TinyOnnx.IdentityModel(type));
        const int count = 5;
        var data = new byte[count * type.ElementSize()];
        new Random(Seed: (int)type).NextBytes(data);
        if (type == TensorElementType.Bool)
        {
            // ORT bools are one byte, 0 or 1.
            for (int i = 0; i < data.Length; i++)
            {
                data[i] &= 1;
            }
        }

        using RunResult result = session.Run([new NamedTensor("x", type, [count], data)]);

        TensorOutput y = result["y"];
        Assert.Equal(type, y.ElementType);
        Assert.Equal(new long[] { count }, y.Shape);
        Assert.Equal(data, y.Data.ToArray());
    }

    [Fact]
    public void Run_IdentityModel_ReturnsStrings()
    {
        using InferenceSession session = TestEnvironment.CreateSession(TinyOnnx.IdentityModel(TensorElementType.String));
        string[] values = ["face", "", "naïve ünïcode", "日本語"];

        using RunResult result = session.Run([NamedTensor.FromStrings("x", [values.Length], values)]);

        TensorOutput y = result["y"];
        Assert.Equal(TensorElementType.String, y.ElementType);
        Assert.Equal(values, y.Strings);
    }

    [Fact]
    public void Metadata_SymbolicDimension_IsMinusOneWithItsName()
    {
        using InferenceSession session = TestEnvironment.CreateSession(TinyOnnx.IdentityModel(TensorElementType.Int64));

        TensorMetadata x = Assert.Single(session.Inputs);
        Assert.Equal(TensorElementType.Int64, x.ElementType);
        Assert.Equal(new long[] { -1 }, x.Shape);
        Assert.Equal(new[] { "n" }, x.SymbolicDimensions);
        Assert.Equal("x: Int64[n]", x.ToString());
    }

    [Fact]
    public void Run_TypedMemory_InfersElementType()
    {
        using InferenceSession session = TestEnvironment.CreateSession(TinyOnnx.IdentityModel(TensorElementType.Float16));
        Half[] values = [(Half)1.5, (Half)(-2), Half.MaxValue];

        using RunResult result = session.Run([NamedTensor.Create<Half>("x", [3], values)]);

        Assert.Equal(values, result[0].GetSpan<Half>().ToArray());
    }
}
