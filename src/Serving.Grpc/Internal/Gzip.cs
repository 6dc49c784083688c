using System.Buffers;
using System.IO.Compression;

namespace Serving.Grpc.Internal;

/// <summary>Decompresses gzip-compressed frames (grpc-encoding: gzip) with a bound on the output size.</summary>
internal static class Gzip
{
    /// <summary>
    /// Decompresses <paramref name="compressed"/> into a pooled array; the caller returns it to
    /// <see cref="ArrayPool{T}.Shared"/>. Throws <see cref="RpcException"/> (RESOURCE_EXHAUSTED) when
    /// the decompressed message is larger than <paramref name="maxSize"/>, so a small frame cannot
    /// expand without bound.
    /// </summary>
    public static byte[] Decompress(ReadOnlySequence<byte> compressed, int maxSize, out int length)
    {
        using var input = new SequenceStream(compressed);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(compressed.Length * 4, 256), maxSize + 1L));
        length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxSize)
                    {
                        throw new RpcException(new Status(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size."));
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, maxSize + 1L));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = gzip.Read(buffer, length, buffer.Length - length);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > maxSize)
                {
                    throw new RpcException(new Status(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size."));
                }
            }

            return buffer;
        }
        catch (InvalidDataException ex)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw new RpcException(new Status(StatusCode.Internal, "Invalid gzip data in a compressed message."), Metadata.Empty, ex);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public static byte[] Compress(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>A read-only stream over a <see cref="ReadOnlySequence{T}"/> (no copy of the input).</summary>
    private sealed class SequenceStream(ReadOnlySequence<byte> sequence) : Stream
    {
        private ReadOnlySequence<byte> _remaining = sequence;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, _remaining.Length);
            _remaining.Slice(0, n).CopyTo(buffer);
            _remaining = _remaining.Slice(n);
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
