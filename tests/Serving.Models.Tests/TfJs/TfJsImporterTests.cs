using Serving.Models.TfJs;
using static Serving.Models.Tests.TfJs.TinyTfJsModel;

namespace Serving.Models.Tests.TfJs;

/// <summary>Hand-made TF.js graphs imported and run in ONNX Runtime, against direct NHWC computations of TF's semantics.</summary>
public sealed class TfJsImporterTests
{
    private static void AssertClose(float[] expected, float[] actual, float tolerance = 1e-4f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    [Theory]
    [InlineData(7, 7, 3, 2)] // odd size, stride 2: 1 pixel of padding on each side
    [InlineData(8, 8, 3, 2)] // even size, stride 2: TF pads 0 before and 1 after
    [InlineData(6, 5, 2, 1)] // even kernel: the odd pixel goes after
    [InlineData(9, 6, 4, 3)]
    public void Conv2D_SamePadding_MatchesTensorFlowRule(int h, int w, int k, int stride)
    {
        const int c = 3, outC = 4;
        var m = new TinyTfJsModel().Placeholder("x", 1, h, w, c);
        var filter = m.Const("f", [k, k, c, outC], TfReference.Seeded(1, k * k * c * outC));
        m.Node("conv", "Conv2D", ["x", "f"], ConvAttr(stride, "SAME"));
        var x = TfReference.Seeded(2, h * w * c);

        var expected = TfReference.Conv(x, h, w, c, filter, k, k, outC, stride, same: true, depthwise: false, out _, out _);

        AssertClose(expected, m.Run([1, h, w, c], x));
    }

    [Fact]
    public void Conv2D_UnknownSpatialSize_PadsLikeTensorFlowAtRunTime()
    {
        var m = new TinyTfJsModel().Placeholder("x", -1, -1, -1, 2);
        var filter = m.Const("f", [3, 3, 2, 3], TfReference.Seeded(13, 54));
        m.Node("conv", "Conv2D", ["x", "f"], ConvAttr(2, "SAME"));
        var x = TfReference.Seeded(14, 8 * 6 * 2);

        AssertClose(TfReference.Conv(x, 8, 6, 2, filter, 3, 3, 3, 2, same: true, depthwise: false, out _, out _), m.Run([1, 8, 6, 2], x));
    }

    [Fact]
    public void Conv2D_Valid_MatchesDirectComputation()
    {
        var m = new TinyTfJsModel().Placeholder("x", 1, 7, 6, 2);
        var filter = m.Const("f", [3, 2, 2, 5], TfReference.Seeded(3, 3 * 2 * 2 * 5));
        m.Node("conv", "Conv2D", ["x", "f"], ConvAttr(2, "VALID"));
        var x = TfReference.Seeded(4, 7 * 6 * 2);

        AssertClose(TfReference.Conv(x, 7, 6, 2, filter, 3, 2, 5, 2, same: false, depthwise: false, out _, out _), m.Run([1, 7, 6, 2], x));
    }

    [Fact]
    public void FusedDepthwise_WithMultiplierBiasAndRelu6_MatchesDirectComputation()
    {
        const int h = 8, w = 7, c = 3, mult = 2;
        var m = new TinyTfJsModel().Placeholder("x", 1, h, w, c);
        var filter = m.Const("f", [3, 3, c, mult], TfReference.Seeded(5, 9 * c * mult).Select(v => v * 4).ToArray());
        var bias = m.Const("b", [c * mult], TfReference.Seeded(6, c * mult));
        m.Node("dw", "FusedDepthwiseConv2dNative", ["x", "f", "b"], ConvAttr(2, "SAME", new() { ["fused_ops"] = StrList("BiasAdd", "Relu6"), ["num_args"] = new System.Text.Json.Nodes.JsonObject { ["i"] = "1" } }));
        var x = TfReference.Seeded(7, h * w * c);

        var conv = TfReference.Conv(x, h, w, c, filter, 3, 3, c * mult, 2, same: true, depthwise: true, out _, out _);
        var expected = conv.Select((v, i) => Math.Clamp(v + bias[i % (c * mult)], 0f, 6f)).ToArray();

        AssertClose(expected, m.Run([1, h, w, c], x));
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(false, false)]
    public void ResizeBilinear_CoordinateModes_MatchTensorFlow(bool alignCorners, bool halfPixel)
    {
        const int h = 3, w = 5, c = 2, oh = 7, ow = 4;
        var m = new TinyTfJsModel().Placeholder("x", 1, h, w, c).Ints("size", [2], oh, ow);
        m.Node("resize", "ResizeBilinear", ["x", "size"], new() { ["align_corners"] = Bool(alignCorners), ["half_pixel_centers"] = Bool(halfPixel) });
        var x = TfReference.Seeded(8, h * w * c);

        AssertClose(TfReference.ResizeBilinear(x, h, w, c, oh, ow, alignCorners, halfPixel), m.Run([1, h, w, c], x));
    }

    [Fact]
    public void ConcatV2_ChannelAxis_InterleavesPerPixelAsInNhwc()
    {
        const int h = 4, w = 3;
        var m = new TinyTfJsModel().Placeholder("x", 1, h, w, 2);
        m.Const("f1", [1, 1, 2, 1], [1f, 0f]);
        m.Const("f2", [1, 1, 2, 2], [0f, 1f, 1f, 1f]);
        m.Ints("axis", [], -1);
        m.Node("a", "Conv2D", ["x", "f1"], ConvAttr(1, "VALID")).Node("b", "Conv2D", ["x", "f2"], ConvAttr(1, "VALID"));
        m.Node("cat", "ConcatV2", ["a", "b", "axis"], new() { ["N"] = new System.Text.Json.Nodes.JsonObject { ["i"] = "2" } });
        var x = TfReference.Seeded(9, h * w * 2);

        var expected = Enumerable.Range(0, h * w).SelectMany(p => new[] { x[2 * p], x[(2 * p) + 1], x[2 * p] + x[(2 * p) + 1] }).ToArray();

        AssertClose(expected, m.Run([1, h, w, 2], x));
    }

    [Theory]
    [InlineData("float16", 1e-3f)]
    [InlineData("uint8", 0.05f)]
    [InlineData("uint16", 1e-3f)]
    public void QuantisedWeights_AreDequantisedAsStored(string storage, float quantisationError)
    {
        const int h = 5, w = 5, c = 2, outC = 3;
        var original = TfReference.Seeded(10, 9 * c * outC);
        var m = new TinyTfJsModel().Placeholder("x", 1, h, w, c);
        var dequantised = m.Const("f", [3, 3, c, outC], original, storage);
        m.Node("conv", "Conv2D", ["x", "f"], ConvAttr(1, "SAME"));
        var x = TfReference.Seeded(11, h * w * c);

        var actual = m.Run([1, h, w, c], x);

        // Exactly the stored (dequantised) weights, and close to the originals within the format's precision.
        AssertClose(TfReference.Conv(x, h, w, c, dequantised, 3, 3, outC, 1, true, false, out _, out _), actual);
        Assert.NotEqual(original, dequantised);
        Assert.All(original.Zip(dequantised), p => Assert.True(MathF.Abs(p.First - p.Second) <= quantisationError));
    }

    [Fact]
    public void AvgPool_SameOnOddSize_AveragesOnlyRealPixels()
    {
        var m = new TinyTfJsModel().Placeholder("x", 1, 3, 3, 1);
        m.Node("pool", "AvgPool", ["x"], ConvAttr(2, "SAME", new() { ["ksize"] = IntList(1, 2, 2, 1) }));

        var y = m.Run([1, 3, 3, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9]);

        // Windows: {1,2,4,5}, {3,6}, {7,8}, {9}: TF divides by the pixels inside the image.
        Assert.Equal(new[] { 3f, 4.5f, 7.5f, 9f }, y);
    }

    [Fact]
    public void Import_UnsupportedOp_NamesOpAndNode()
    {
        var m = new TinyTfJsModel().Placeholder("x", 1, 4, 4, 1);
        m.Node("my_fft", "FFT", ["x"]);

        var error = Assert.Throws<TfJsImportException>(() => m.ImportBytes());

        Assert.Contains("'my_fft'", error.Message, StringComparison.Ordinal);
        Assert.Contains("FFT", error.Message, StringComparison.Ordinal);
        Assert.Contains("not supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_IntegerInput_IsRefused()
    {
        var m = new TinyTfJsModel().Placeholder("x", 1, 4, 4, 1);
        var json = m.Node("relu", "Relu", ["x"]).Json().Replace("DT_FLOAT", "DT_INT32", StringComparison.Ordinal);

        var error = Assert.Throws<TfJsImportException>(() => TfJsImporter.Import(json, _ => [], "g"));

        Assert.Contains("'x'", error.Message, StringComparison.Ordinal);
        Assert.Contains("DT_INT32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_ConstWithoutWeights_ReportsTheNode()
    {
        var m = new TinyTfJsModel().Placeholder("x", 1, 4, 4, 1);
        m.Node("lost", "Const", []).Node("add", "AddV2", ["x", "lost"]);

        var error = Assert.Throws<TfJsImportException>(() => m.ImportBytes());

        Assert.Contains("'lost'", error.Message, StringComparison.Ordinal);
        Assert.Contains("weightsManifest", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_NotJsonOrNotGraphModel_SaysWhy()
    {
        Assert.Contains("not valid JSON", Assert.Throws<TfJsImportException>(() => TfJsImporter.Import("{", _ => [], "g")).Message, StringComparison.Ordinal);
        Assert.Contains("layers models", Assert.Throws<TfJsImportException>(() => TfJsImporter.Import("""{"format":"layers-model"}""", _ => [], "g")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_ShortWeightShard_ReportsTheWeight()
    {
        var m = new TinyTfJsModel().Placeholder("x", 1, 2, 2, 1);
        m.Const("w", [4], [1, 2, 3, 4]);
        m.Node("add", "AddV2", ["x", "w"]);

        var error = Assert.Throws<TfJsImportException>(() => TfJsImporter.Import(m.Json(), _ => new byte[8], "g"));

        Assert.Contains("'w'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_SameModelTwice_GivesIdenticalBytes()
    {
        var m = new TinyTfJsModel().Placeholder("x", 1, 6, 6, 2);
        m.Const("f", [3, 3, 2, 2], TfReference.Seeded(12, 36), "float16");
        m.Node("conv", "Conv2D", ["x", "f"], ConvAttr(2, "SAME"));

        Assert.Equal(m.ImportBytes(), m.ImportBytes());
    }
}
