using System.Runtime.InteropServices;
using Serving.OnnxRuntime;

namespace Serving.Models.Pipelines;

/// <summary>One output tensor of a model run: name, element type, shape and its raw little-endian bytes.</summary>
/// <param name="Name">The model's output name.</param>
/// <param name="ElementType">The element type of <paramref name="Data"/>.</param>
/// <param name="Shape">The tensor's shape.</param>
/// <param name="Data">The elements, row-major; valid until the owning <see cref="ModelOutputs"/> is disposed.</param>
public sealed record ModelOutput(string Name, TensorElementType ElementType, long[] Shape, ReadOnlyMemory<byte> Data)
{
    /// <summary>The elements viewed as <typeparamref name="T"/> (no copy).</summary>
    public ReadOnlySpan<T> GetSpan<T>()
        where T : unmanaged => MemoryMarshal.Cast<byte, T>(Data.Span);
}

/// <summary>The outputs of one model run, in the model's order, owning whatever buffers hold them.</summary>
/// <remarks>
/// Raw bytes rather than ORT's <see cref="RunResult"/> so that a remote runner can wrap the bytes of a v2
/// ModelInfer response (<c>raw_output_contents</c>) without a copy. Dispose returns the buffers.
/// </remarks>
public sealed class ModelOutputs : IDisposable
{
    private readonly IDisposable? _owner;

    /// <summary>Wraps outputs whose memory <paramref name="owner"/> (if any) releases on dispose.</summary>
    public ModelOutputs(IReadOnlyList<ModelOutput> outputs, IDisposable? owner)
    {
        Outputs = outputs ?? throw new ArgumentNullException(nameof(outputs));
        _owner = owner;
    }

    /// <summary>The outputs, in the model's order.</summary>
    public IReadOnlyList<ModelOutput> Outputs { get; }

    /// <summary>The output called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The run has no such output.</exception>
    public ModelOutput this[string name] =>
        Outputs.FirstOrDefault(o => o.Name == name) ?? throw new KeyNotFoundException($"The run has no output '{name}'.");

    /// <summary>Wraps an ORT run result without copying; disposing the outputs disposes it.</summary>
    public static ModelOutputs FromRunResult(RunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var outputs = result.Select(o => new ModelOutput(o.Name, o.ElementType, o.Shape, o.Data)).ToArray();
        return new ModelOutputs(outputs, result);
    }

    /// <summary>Releases the buffers the outputs live in.</summary>
    public void Dispose() => _owner?.Dispose();
}
