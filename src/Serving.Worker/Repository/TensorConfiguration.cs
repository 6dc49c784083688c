namespace Serving.Worker.Repository;

/// <summary>One input or output tensor of a model.</summary>
public sealed class TensorConfiguration
{
    /// <summary>The tensor name in the ONNX graph and on the wire.</summary>
    public string Name { get; init; } = "";

    /// <summary>The KServe v2 datatype string (FP32, INT64, ...); see <see cref="TensorDataTypes"/>.</summary>
    public string Datatype { get; init; } = "";

    /// <summary>The shape without the batch dimension; -1 marks a variable dimension.</summary>
    public IReadOnlyList<long> Dims { get; init; } = [];
}
