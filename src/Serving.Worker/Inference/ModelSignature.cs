using Serving.OnnxRuntime;
using Serving.Worker.Repository;

namespace Serving.Worker.Inference;

/// <summary>A tensor as the wire sees it: name, element type and dims without the batch dimension.</summary>
public sealed record TensorSignature(string Name, string Datatype, TensorElementType ElementType, long[] Dims)
{
    /// <summary>The shape the protocol reports: <c>-1</c> leads for batched models.</summary>
    public long[] WireShape(bool batched) => batched ? [-1, .. Dims] : Dims;
}

/// <summary>A model version's inputs and outputs in wire terms.</summary>
public sealed record ModelSignature(bool Batched, int MaxBatchSize, IReadOnlyList<TensorSignature> Inputs, IReadOnlyList<TensorSignature> Outputs)
{
    /// <summary>Reads the signature of a configuration.</summary>
    public static ModelSignature From(ModelConfiguration config) => new(
        config.MaxBatchSize > 0,
        config.MaxBatchSize,
        config.Inputs.Select(ToSignature).ToArray(),
        config.Outputs.Select(ToSignature).ToArray());

    private static TensorSignature ToSignature(TensorConfiguration tensor)
    {
        TensorElementTypes.TryParseKServeDatatype(tensor.Datatype, out var type);
        return new TensorSignature(tensor.Name, tensor.Datatype, type, tensor.Dims.ToArray());
    }
}
