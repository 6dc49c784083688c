using Serving.Models.Onnx;

namespace Serving.OnnxRuntime.Tests.Infrastructure;

/// <summary>
/// Small models the binding tests need (exact element types, symbolic dimensions, a chosen run
/// time), written with the project's ONNX writer.
/// </summary>
internal static class TinyOnnx
{
    /// <summary>A model that returns its input: x -> Identity -> y, with x of <paramref name="type"/> and shape ["n"].</summary>
    public static byte[] IdentityModel(TensorElementType type)
    {
        var g = new GraphBuilder("identity");
        var onnxType = (OnnxDataType)(int)type; // both enums carry ONNX's TensorProto.DataType values
        var x = g.Input("x", onnxType, "n");
        g.AddNode("Identity", [x], ["y"]);
        g.Output("y", onnxType, "n");
        return OnnxModel.Create(g).ToBytes();
    }

    /// <summary>
    /// y = Tanh(...Tanh(Tanh(x W) W)... W) applied <c>steps</c> times through an ONNX Loop: a model whose run
    /// time the caller chooses with its INT64 input, for cancellation tests. x: FP32 [1, size]; W: [size, size].
    /// </summary>
    public static byte[] LoopModel(float[] weights, int size)
    {
        var body = new GraphBuilder("body");
        body.Input("i", OnnxDataType.Int64);
        var condIn = body.Input("cond_in", OnnxDataType.Bool);
        var xIn = body.Input("x_in", OnnxDataType.Float, 1, size);
        body.AddNode("Tanh", [body.MatMul(xIn, "W")], ["x_out"]);
        body.AddNode("Identity", [condIn], ["cond_out"]);
        body.Output("cond_out", OnnxDataType.Bool);
        body.Output("x_out", OnnxDataType.Float, 1, size);

        var g = new GraphBuilder("loop");
        var steps = g.Input("steps", OnnxDataType.Int64);
        var x = g.Input("x", OnnxDataType.Float, 1, size);
        g.Initializer(Tensors.Float("W", [size, size], weights));
        g.AddNode("Loop", [steps, "", x], ["y"], Attr.Graph("body", body.Graph));
        g.Output("y", OnnxDataType.Float, 1, size);
        return OnnxModel.Create(g).ToBytes();
    }
}
