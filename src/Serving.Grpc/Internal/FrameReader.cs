using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace Serving.Grpc.Internal;

/// <summary>
/// Reads length-prefixed messages from a response stream through one pooled buffer: small messages
/// that arrive together are parsed from a single read, large ones get a buffer of their size that
/// goes back to the pool as soon as they are parsed.
/// </summary>
internal sealed class FrameReader : IDisposable
{
    private const int InitialBufferSize = 4096;
    private const int RetainLimit = 64 * 1024;

    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;

    public FrameReader(Stream stream)
    {
        _stream = stream;
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
    }

    /// <summary>The next message, or null at a clean end of stream.</summary>
    public async ValueTask<T?> ReadMessageAsync<T>(MessageParser<T> parser, int maxSize, string? encoding, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        if (!await FillAsync(GrpcProtocol.HeaderSize, cancellationToken).ConfigureAwait(false))
        {
            if (_end == _start)
            {
                return null;
            }

            throw Incomplete();
        }

        var compressed = Framing.ReadFlag(_buffer[_start]);
        var length = BinaryPrimitives.ReadUInt32BigEndian(_buffer.AsSpan(_start + 1, 4));
        if (length > (uint)maxSize)
        {
            throw Framing.MessageTooLarge();
        }

        var frameLength = GrpcProtocol.HeaderSize + (int)length;
        if (!await FillAsync(frameLength, cancellationToken).ConfigureAwait(false))
        {
            throw Incomplete();
        }

        var payload = new ReadOnlySequence<byte>(_buffer, _start + GrpcProtocol.HeaderSize, (int)length);
        var message = Framing.Parse(parser, payload, compressed, encoding, maxSize);
        _start += frameLength;
        if (_start == _end)
        {
            _start = _end = 0;
            if (_buffer.Length > RetainLimit)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
            }
        }

        return message;
    }

    /// <summary>Ensures <paramref name="count"/> bytes are buffered; false when the stream ends first.</summary>
    private async ValueTask<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        if (_end - _start >= count)
        {
            return true;
        }

        if (_buffer.Length - _start < count)
        {
            // Not enough room after _start: move the partial frame to the front, or to a larger buffer.
            var target = _buffer.Length >= count ? _buffer : ArrayPool<byte>.Shared.Rent(count);
            Buffer.BlockCopy(_buffer, _start, target, 0, _end - _start);
            if (!ReferenceEquals(target, _buffer))
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = target;
            }

            _end -= _start;
            _start = 0;
        }

        while (_end - _start < count)
        {
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return false;
            }

            _end += read;
        }

        return true;
    }

    private static RpcException Incomplete() =>
        new(new Status(StatusCode.Internal, "Incomplete message at the end of the response stream."));

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
