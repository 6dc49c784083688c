using System.Buffers;
using System.Runtime.InteropServices;

namespace Serving.OnnxRuntime;

/// <summary>
/// One output of a run, copied out of ORT's memory into a buffer rented from <see cref="ArrayPool{T}.Shared"/>.
/// Dispose it (or the <see cref="RunResult"/> holding it) to return the buffer; the data must not be used after.
/// </summary>
public sealed class TensorOutput : IDisposable
{
    private byte[]? _rented;
    private readonly int _length;

    internal TensorOutput(string name, TensorElementType elementType, long[] shape, byte[]? rented, int length, string[]? strings)
    {
        Name = name;
        ElementType = elementType;
        Shape = shape;
        _rented = rented;
        _length = length;
        Strings = strings;
    }

    public string Name { get; }

    public TensorElementType ElementType { get; }

    public long[] Shape { get; }

    /// <summary>Number of elements (product of the shape).</summary>
    public long ElementCount => TensorElementTypes.ElementCount(Shape);

    /// <summary>Values of a BYTES (string) output; null for numeric outputs.</summary>
    public string[]? Strings { get; }

    /// <summary>The raw little-endian bytes of a numeric output (empty for strings).</summary>
    public ReadOnlyMemory<byte> Data => _rented is { } buffer
        ? buffer.AsMemory(0, _length)
        : _length == 0 ? ReadOnlyMemory<byte>.Empty : throw new ObjectDisposedException(nameof(TensorOutput));

    /// <summary>The data as elements of <typeparamref name="T"/> (e.g. <c>GetSpan&lt;float&gt;()</c> for FP32).</summary>
    public ReadOnlySpan<T> GetSpan<T>()
        where T : unmanaged => MemoryMarshal.Cast<byte, T>(Data.Span);

    /// <summary>Returns the pooled buffer; idempotent.</summary>
    public void Dispose()
    {
        byte[]? buffer = Interlocked.Exchange(ref _rented, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>The outputs of one run, in the order requested; disposing it returns every output's buffer.</summary>
public sealed class RunResult : IReadOnlyList<TensorOutput>, IDisposable
{
    private readonly TensorOutput[] _outputs;

    internal RunResult(TensorOutput[] outputs) => _outputs = outputs;

    public int Count => _outputs.Length;

    public TensorOutput this[int index] => _outputs[index];

    /// <summary>The output called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No output of that name was requested.</exception>
    public TensorOutput this[string name] =>
        Array.Find(_outputs, o => o.Name == name) ?? throw new KeyNotFoundException($"The run has no output '{name}'.");

    public IEnumerator<TensorOutput> GetEnumerator() => ((IEnumerable<TensorOutput>)_outputs).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose()
    {
        foreach (TensorOutput output in _outputs)
        {
            output.Dispose();
        }
    }
}
