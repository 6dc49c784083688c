using System.Buffers;
using System.Net;
using Google.Protobuf;

namespace Serving.Grpc.Internal;

/// <summary>
/// The body of a single-request call whose frame fits one HTTP/2 DATA frame (16 KiB, the smallest
/// max frame size a peer may set): the framed message in a pooled buffer. Being a built-in (non-duplex)
/// content type, SocketsHttpHandler sends it like any fixed-length body, exactly as for a plain POST
/// (no request/response race, no WhenAny), and has sent it completely by the time SendAsync returns,
/// so the buffer goes back to the pool then (<see cref="ReturnBuffer"/>).
/// </summary>
internal sealed class BufferedMessageContent : ByteArrayContent
{
    /// <summary>Largest frame (prefix + message) sent through this content.</summary>
    public const int MaxFrameLength = 16 * 1024;

    private byte[]? _buffer;

    private BufferedMessageContent(byte[] buffer, int length)
        : base(buffer, 0, length)
    {
        _buffer = buffer;
        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    /// <summary>Frames <paramref name="message"/> (of <c>CalculateSize()</c> <paramref name="size"/>) into a pooled buffer.</summary>
    public static BufferedMessageContent Create(IMessage message, int size)
    {
        var length = GrpcProtocol.HeaderSize + size;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        Framing.WriteHeader(buffer, compressed: false, size);
        message.WriteTo(buffer.AsSpan(GrpcProtocol.HeaderSize, size));
        return new BufferedMessageContent(buffer, length);
    }

    /// <summary>Call once the handler is done with the body (SendAsync has completed, either way).</summary>
    public void ReturnBuffer()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>The body of a single-request call: the framed message, serialized straight into the request stream.</summary>
internal sealed class UnaryRequestContent<T> : HttpContent
    where T : class, IMessage<T>
{
    private readonly T _message;
    private readonly int _size;

    public UnaryRequestContent(T message, int size)
    {
        _message = message;
        _size = size;
        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var length = GrpcProtocol.HeaderSize + _size;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Framing.WriteHeader(buffer, compressed: false, _size);
            _message.WriteTo(buffer.AsSpan(GrpcProtocol.HeaderSize, _size));
            await stream.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A known length lets the handler send the data with END_STREAM in one go.</summary>
    protected override bool TryComputeLength(out long length)
    {
        length = GrpcProtocol.HeaderSize + _size;
        return true;
    }
}

/// <summary>
/// The body of a streaming-request call. The HTTP handler calls <see cref="SerializeToStreamAsync(Stream, TransportContext?, CancellationToken)"/>
/// once the stream is open; it hands the stream to the request writer and stays open until the
/// writer completes (half-close) or the call ends.
/// </summary>
internal sealed class StreamingRequestContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StreamingRequestContent() => Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);

    public Task<Stream> GetStreamAsync() => _stream.Task;

    /// <summary>Ends the request stream normally: END_STREAM is sent.</summary>
    public void Complete() => _complete.TrySetResult();

    /// <summary>The call ended: release the handler and any writer still waiting for the stream.</summary>
    public void Abort(Exception reason)
    {
        _stream.TrySetException(reason);
        _complete.TrySetException(reason);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        _stream.TrySetResult(stream);
        await _complete.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
