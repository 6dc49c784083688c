namespace Serving.Models.TfJs;

/// <summary>
/// A tensor of the TF graph during conversion. <see cref="Shape"/> is always in TensorFlow's
/// order (NHWC for images; -1 = unknown, e.g. the batch). A computed value of rank 4 lives in the
/// ONNX graph as NCHW (the layout ONNX convolutions need), every other rank in TensorFlow's order;
/// a constant stays in C# until an op decides which layout it needs.
/// </summary>
internal sealed record TfValue(string? OnnxName, int[] Shape, TfTensor? Constant)
{
    public int Rank => Shape.Length;

    public bool IsConstant => Constant is not null;

    public static TfValue Computed(string onnxName, int[] shape) => new(onnxName, shape, null);

    public static TfValue Const(TfTensor tensor) => new(null, tensor.Shape, tensor);
}
