using System.Text.Json.Nodes;
using Serving.Models.Imaging;
using Serving.Models.Onnx;
using Serving.Models.Pipelines.Segmentation;
using Serving.Models.TfJs;
using Serving.OnnxRuntime;
using static Serving.Models.Tests.TfJs.TinyTfJsModel;

namespace Serving.Models.Tests.TfJs;

/// <summary>The imported ONNX models compute what TF.js itself computes (@tensorflow/tfjs, CPU backend, in node).</summary>
public sealed class TfJsReferenceTests
{
    private static float MaxDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b).Max(p => MathF.Abs(p.First - p.Second));
    }

    private static float[] RunImported(byte[] model, int[] shape, float[] input)
    {
        using var session = InferenceSession.Create(model, new SessionOptions { IntraOpThreads = 1 });
        using var result = session.Run([NamedTensor.Create<float>(session.Inputs[0].Name, shape.Select(d => (long)d).ToArray(), input)]);
        return result[0].GetSpan<float>().ToArray();
    }

    [Fact]
    public void Selfie_OnDevImage_MatchesTfJsWithin1e4()
    {
        var modelJson = TestAssets.SelfieModelJson;
        var image = Path.Combine(TestAssets.DevData("segmentation/person"), "images", "1.jpg");
        var input = new float[256 * 256 * 3];
        using (var decoded = ImageCodec.Decode(File.ReadAllBytes(image)))
        {
            Bilinear.ResizeRgb(decoded.Pixels, decoded.Width, decoded.Height, SegmentationModelSpec.Selfie, input);
        }

        var expected = TfJsReference.Run(modelJson, [1, 256, 256, 3], input);
        var actual = RunImported(TfJsImporter.ImportFile(modelJson).ToBytes(), [1, 256, 256, 3], input);

        Assert.True(MaxDifference(expected, actual) <= 1e-4f, $"max |onnx - tfjs| = {MaxDifference(expected, actual)}");
        Assert.Contains(actual, p => p > 0.9f);
        Assert.Contains(actual, p => p < 0.1f);
    }

    /// <summary>Ops the selfie model does not use, chained in one graph: pad, fused conv with PReLU, max pool, transposed conv, nearest resize, AddN, mean, reshape.</summary>
    [Fact]
    public void OtherOps_TinyGraph_MatchesTfJs()
    {
        var m = new TinyTfJsModel().Placeholder("x", 1, 9, 8, 3);
        m.Ints("paddings", [4, 2], 0, 0, 1, 2, 2, 1, 0, 0).Node("pad", "Pad", ["x", "paddings"]);
        m.Const("f", [3, 3, 3, 4], TfReference.Seeded(20, 108));
        m.Const("b", [4], TfReference.Seeded(21, 4));
        m.Const("alpha", [4], [0.1f, 0.2f, 0.3f, 0.4f]);
        m.Node("conv", "_FusedConv2D", ["pad", "f", "b", "alpha"], ConvAttr(2, "SAME", new() { ["fused_ops"] = StrList("BiasAdd", "Prelu"), ["num_args"] = new JsonObject { ["i"] = "2" } }));
        m.Node("pool", "MaxPool", ["conv"], ConvAttr(2, "SAME", new() { ["ksize"] = IntList(1, 3, 3, 1) }));
        m.Const("up_f", [2, 2, 4, 4], TfReference.Seeded(22, 64), "float16");
        m.Ints("up_sizes", [4], 1, 6, 6, 4);
        m.Node("up", "Conv2DBackpropInput", ["up_sizes", "up_f", "pool"], ConvAttr(2, "SAME"));
        m.Ints("nn_size", [2], 6, 6).Node("nn", "ResizeNearestNeighbor", ["conv", "nn_size"], new() { ["half_pixel_centers"] = Bool(true) });
        m.Node("sum", "AddN", ["up", "nn", "up"], new() { ["N"] = new JsonObject { ["i"] = "3" } });
        m.Ints("axes", [2], 1, 2).Node("mean", "Mean", ["sum", "axes"], new() { ["keep_dims"] = Bool(true) });
        m.Node("centred", "Sub", ["sum", "mean"]);
        m.Ints("shape", [3], -1, 36, 4).Node("flat", "Reshape", ["centred", "shape"]);
        var input = TfReference.Seeded(23, 9 * 8 * 3);

        var directory = Directory.CreateTempSubdirectory("tfjs-tiny-").FullName;
        try
        {
            var expected = TfJsReference.Run(m.WriteTo(directory), [1, 9, 8, 3], input);
            var actual = RunImported(TfJsImporter.ImportFile(Path.Combine(directory, "model.json")).ToBytes(), [1, 9, 8, 3], input);

            Assert.Equal(36 * 4, expected.Length);
            Assert.True(MaxDifference(expected, actual) <= 1e-4f, $"max |onnx - tfjs| = {MaxDifference(expected, actual)}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
