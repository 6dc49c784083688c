using System.Buffers;

namespace Serving.OnnxRuntime;

/// <summary>
/// A named tensor handed to <see cref="InferenceSession.Run(IReadOnlyList{NamedTensor}, CancellationToken)"/>
/// as an input, or to <see cref="InferenceSession.RunInto"/> as a caller-allocated output. Numeric data is
/// pinned for the duration of the run and used in place, never copied; BYTES (string) data is copied into
/// ORT's string tensor, which is how ORT stores strings.
/// </summary>
/// <remarks>The shape array and the data are referenced, not copied: leave them unchanged until the run returns.</remarks>
public readonly struct NamedTensor
{
    private readonly ITensorData? _typed;

    /// <summary>A numeric tensor over raw little-endian bytes (e.g. a KServe <c>raw_input_contents</c> entry).</summary>
    /// <exception cref="ArgumentException">The byte length does not equal elements x element size, or the type is BYTES.</exception>
    public NamedTensor(string name, TensorElementType elementType, long[] shape, Memory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        int size = elementType.ElementSize();
        if (size == 0)
        {
            throw new ArgumentException(
                $"Tensor '{name}': element type {elementType} is not a fixed-size type; use NamedTensor.FromStrings for BYTES.", nameof(elementType));
        }

        CheckLength(name, elementType, shape, data.Length, size);
        Name = name;
        ElementType = elementType;
        Shape = shape;
        Bytes = data;
    }

    private NamedTensor(string name, TensorElementType elementType, long[] shape, ITensorData? typed, string[]? strings)
    {
        Name = name;
        ElementType = elementType;
        Shape = shape;
        _typed = typed;
        Strings = strings;
    }

    public string Name { get; }

    public TensorElementType ElementType { get; }

    public long[] Shape { get; }

    /// <summary>The raw bytes, when the tensor was built from bytes.</summary>
    public Memory<byte> Bytes { get; }

    /// <summary>The values of a BYTES (string) tensor; null otherwise.</summary>
    public string[]? Strings { get; }

    /// <summary>A tensor over typed memory (<c>float[]</c>, <c>Memory&lt;long&gt;</c>, ...); the element type follows <typeparamref name="T"/>.</summary>
    public static NamedTensor Create<T>(string name, long[] shape, Memory<T> data)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        TensorElementType type = TensorElementTypes.Of<T>();
        int size = type.ElementSize();
        CheckLength(name, type, shape, (long)data.Length * size, size);
        return new NamedTensor(name, type, shape, new TypedData<T>(data), null);
    }

    /// <summary>A BYTES tensor of UTF-8 strings (ORT strings end at the first NUL).</summary>
    public static NamedTensor FromStrings(string name, long[] shape, string[] values)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(values);
        long count = TensorElementTypes.ElementCount(shape);
        if (count != values.Length)
        {
            throw new ArgumentException(
                $"Tensor '{name}': shape [{string.Join(",", shape)}] holds {count} strings but {values.Length} were given.", nameof(values));
        }

        return new NamedTensor(name, TensorElementType.String, shape, null, values);
    }

    /// <summary>Pins the numeric data; the handle's pointer stays valid until it is disposed.</summary>
    internal MemoryHandle Pin() => _typed is not null ? _typed.Pin() : Bytes.Pin();

    /// <summary>The numeric elements as raw little-endian bytes (no copy), whichever way the tensor was built.</summary>
    public ReadOnlySpan<byte> GetBytes() => _typed is not null ? _typed.AsBytes() : Bytes.Span;

    /// <summary>Whether the tensor was built over raw bytes (<see cref="Bytes"/> holds them) rather than typed memory.</summary>
    public bool HasRawBytes => _typed is null && Strings is null;

    internal long ByteLength => _typed is not null ? _typed.ByteLength : Bytes.Length;

    private static void CheckLength(string name, TensorElementType type, long[] shape, long byteLength, int size)
    {
        long expected = checked(TensorElementTypes.ElementCount(shape) * size);
        if (expected != byteLength)
        {
            throw new ArgumentException(
                $"Tensor '{name}': shape [{string.Join(",", shape)}] of {type} needs {expected} bytes but the data has {byteLength}.");
        }
    }

    private interface ITensorData
    {
        long ByteLength { get; }

        MemoryHandle Pin();

        ReadOnlySpan<byte> AsBytes();
    }

    private sealed unsafe class TypedData<T>(Memory<T> memory) : ITensorData
        where T : unmanaged
    {
        public long ByteLength => (long)memory.Length * sizeof(T);

        public MemoryHandle Pin() => memory.Pin();

        public ReadOnlySpan<byte> AsBytes() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(memory.Span);
    }
}
