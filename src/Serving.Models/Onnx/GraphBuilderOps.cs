namespace Serving.Models.Onnx;

/// <summary>
/// Standard ONNX operators (opset 17) on top of <see cref="GraphBuilder.Node"/>: normalisation,
/// tensor plumbing, pooling and resizing, as the model zoo writes them.
/// </summary>
/// <remarks>
/// Shape and axis arguments become int64 initializers, so a graph stays free of Shape/Constant
/// nodes and static tools (the model inspector) can follow every shape.
/// </remarks>
public static class GraphBuilderOps
{
    /// <summary>Inference-mode batch normalisation: <c>scale * (x - mean) / sqrt(var + eps) + bias</c> per channel.</summary>
    public static string BatchNorm(this GraphBuilder g, string x, string scale, string bias, string mean, string variance, float epsilon = 1e-5f) =>
        g.Node("BatchNormalization", [x, scale, bias, mean, variance], Attr.Float("epsilon", epsilon));

    public static string Concat(this GraphBuilder g, long axis, params string[] inputs) =>
        g.Node("Concat", inputs, Attr.Int("axis", axis));

    /// <summary>Splits <paramref name="x"/> along <paramref name="axis"/> into parts of the given sizes.</summary>
    public static string[] Split(this GraphBuilder g, string x, long axis, params long[] sizes) =>
        g.NodeMulti("Split", [x, g.Int64s("split", sizes)], sizes.Length, Attr.Int("axis", axis));

    public static string Slice(this GraphBuilder g, string x, long[] starts, long[] ends, long[] axes, long[]? steps = null) =>
        g.Node(
            "Slice",
            steps is null
                ? [x, g.Int64s("starts", starts), g.Int64s("ends", ends), g.Int64s("axes", axes)]
                : [x, g.Int64s("starts", starts), g.Int64s("ends", ends), g.Int64s("axes", axes), g.Int64s("steps", steps)]);

    public static string GlobalAveragePool(this GraphBuilder g, string x) => g.Node("GlobalAveragePool", [x]);

    public static string MaxPool(this GraphBuilder g, string x, long kernel, long stride, long pad) =>
        g.Node(
            "MaxPool",
            [x],
            Attr.Ints("kernel_shape", kernel, kernel),
            Attr.Ints("strides", stride, stride),
            Attr.Ints("pads", pad, pad, pad, pad));

    /// <summary>Reshape to a constant shape; 0 copies the input's dimension (the batch), -1 is inferred.</summary>
    public static string Reshape(this GraphBuilder g, string x, params long[] shape) =>
        g.Node("Reshape", [x, g.Int64s("shape", shape)]);

    public static string Flatten(this GraphBuilder g, string x, long axis = 1) => g.Node("Flatten", [x], Attr.Int("axis", axis));

    public static string Transpose(this GraphBuilder g, string x, params long[] perm) => g.Node("Transpose", [x], Attr.Ints("perm", perm));

    /// <summary><c>alpha * a * b^T + c</c> with <c>b</c> stored as [out, in] (the usual FC layout).</summary>
    public static string Gemm(this GraphBuilder g, string a, string b, string? c) =>
        g.Node("Gemm", c is null ? [a, b] : [a, b, c], Attr.Int("transB", 1));

    /// <summary>Resizes the spatial dimensions of an NCHW tensor by <paramref name="scale"/> (nearest or linear).</summary>
    public static string Resize(this GraphBuilder g, string x, float scale, string mode = "linear")
    {
        var scales = g.Initializer(Tensors.Float(g.Fresh("scales"), [4], [1f, 1f, scale, scale]));
        return g.Node("Resize", [x, "", scales], Attr.String("mode", mode));
    }

    /// <summary>Zero-pads the last two (spatial) dimensions of an NCHW tensor by <paramref name="pad"/> on every side.</summary>
    public static string PadSpatial(this GraphBuilder g, string x, long pad) =>
        g.Node("Pad", [x, g.Int64s("pads", 0, 0, pad, pad, 0, 0, pad, pad)], Attr.String("mode", "constant"));

    public static string Tanh(this GraphBuilder g, string x) => g.Node("Tanh", [x]);

    public static string Sub(this GraphBuilder g, string a, string b) => g.Node("Sub", [a, b]);

    public static string Greater(this GraphBuilder g, string a, string b) => g.Node("Greater", [a, b]);

    /// <summary>ReduceMax over <paramref name="axes"/> (opset 17 takes axes as an attribute); all axes when none are given.</summary>
    public static string ReduceMax(this GraphBuilder g, string x, bool keepDims, params long[] axes) =>
        axes.Length == 0
            ? g.Node("ReduceMax", [x], Attr.Int("keepdims", keepDims ? 1 : 0))
            : g.Node("ReduceMax", [x], Attr.Ints("axes", axes), Attr.Int("keepdims", keepDims ? 1 : 0));

    public static string ReduceMean(this GraphBuilder g, string x, bool keepDims, params long[] axes) =>
        g.Node("ReduceMean", [x], Attr.Ints("axes", axes), Attr.Int("keepdims", keepDims ? 1 : 0));

    /// <summary>Inference-mode dropout: the identity, kept so exported graphs show where training dropped units.</summary>
    public static string Dropout(this GraphBuilder g, string x) => g.Node("Dropout", [x]);

    public static string Identity(this GraphBuilder g, string x) => g.Node("Identity", [x]);

    /// <summary>A float scalar initializer.</summary>
    public static string Scalar(this GraphBuilder g, string hint, float value) => g.Initializer(Tensors.ScalarFloat(g.Fresh(hint), value));
}
