using Serving.OnnxRuntime;
using Serving.Worker.Repository;

namespace Serving.Worker.Inference;

/// <summary>
/// Fills in a configuration from an ONNX file's metadata, as Triton's auto-complete does, for
/// models that have no config.json.
/// </summary>
/// <remarks>
/// A model is batchable when every input and output has a free (symbolic) first dimension; it
/// then gets <see cref="DefaultMaxBatchSize"/> and dynamic batching without extra delay. A fixed
/// first dimension (the real face embedding model's 1) means no batch dimension: max_batch_size 0.
/// </remarks>
public static class ModelAutoConfig
{
    /// <summary>max_batch_size given to batchable models.</summary>
    public const int DefaultMaxBatchSize = 32;

    /// <summary>The completed configuration of <paramref name="session"/>'s model.</summary>
    public static ModelConfiguration Complete(string name, InferenceSession session)
    {
        var tensors = session.Inputs.Concat(session.Outputs).ToArray();
        var batchable = tensors.All(t => t.Shape.Count >= 1 && t.Shape[0] < 0);
        return new ModelConfiguration
        {
            Name = name,
            Platform = ModelConfiguration.OnnxRuntimePlatform,
            MaxBatchSize = batchable ? DefaultMaxBatchSize : 0,
            Inputs = session.Inputs.Select(t => ToTensor(t, batchable)).ToArray(),
            Outputs = session.Outputs.Select(t => ToTensor(t, batchable)).ToArray(),
            DynamicBatching = batchable ? new DynamicBatchingConfiguration() : null,
        };
    }

    private static TensorConfiguration ToTensor(TensorMetadata tensor, bool batchable) => new()
    {
        Name = tensor.Name,
        Datatype = tensor.ElementType.ToKServeDatatype(),
        Dims = (batchable ? tensor.Shape.Skip(1) : tensor.Shape).Select(d => d < 0 ? -1 : d).ToArray(),
    };
}
