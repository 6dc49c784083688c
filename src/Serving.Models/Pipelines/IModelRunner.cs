using Serving.OnnxRuntime;

namespace Serving.Models.Pipelines;

/// <summary>The one way pipelines call models, so the same pipeline runs in-process or through the router.</summary>
/// <remarks>
/// Pipelines know model names and tensor conventions, never where a model runs: the worker hosts
/// <see cref="InProcessModelRunner"/>; the router supplies a remote runner (v2 ModelInfer to a worker).
/// Implementations must be safe for concurrent calls.
/// </remarks>
public interface IModelRunner
{
    /// <summary>Runs <paramref name="model"/> on <paramref name="inputs"/>; the caller disposes the outputs.</summary>
    /// <exception cref="KeyNotFoundException">No model of that name is known to this runner.</exception>
    Task<ModelOutputs> RunAsync(string model, IReadOnlyList<NamedTensor> inputs, CancellationToken cancellationToken);
}
