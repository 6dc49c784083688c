using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace Serving.Grpc.Internal;

/// <summary>The length-prefixed message framing shared by server and client.</summary>
internal static class Framing
{
    /// <summary>Messages up to this size are serialized into one span with their prefix.</summary>
    private const int SingleSpanLimit = 64 * 1024;

    public static void WriteHeader(Span<byte> destination, bool compressed, int length)
    {
        destination[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }

    /// <summary>
    /// Writes prefix + message into <paramref name="writer"/> without intermediate copies.
    /// <paramref name="size"/> is the message's <c>CalculateSize()</c>, already checked against limits.
    /// </summary>
    public static void WriteMessage(IBufferWriter<byte> writer, IMessage message, int size)
    {
        if (size <= SingleSpanLimit)
        {
            var span = writer.GetSpan(GrpcProtocol.HeaderSize + size);
            WriteHeader(span, compressed: false, size);
            message.WriteTo(span.Slice(GrpcProtocol.HeaderSize, size));
            writer.Advance(GrpcProtocol.HeaderSize + size);
        }
        else
        {
            var span = writer.GetSpan(GrpcProtocol.HeaderSize);
            WriteHeader(span, compressed: false, size);
            writer.Advance(GrpcProtocol.HeaderSize);
            message.WriteTo(writer);
        }
    }

    /// <summary>
    /// Finds one complete frame at the start of <paramref name="buffer"/>. On success
    /// <paramref name="payload"/> is the message bytes and <paramref name="buffer"/> is advanced past
    /// the frame. Throws RESOURCE_EXHAUSTED as soon as the prefix announces a message larger than
    /// <paramref name="maxSize"/>, so an oversized message is refused before it is received.
    /// </summary>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxSize, out bool compressed, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        compressed = false;
        if (buffer.Length < GrpcProtocol.HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[GrpcProtocol.HeaderSize];
        buffer.Slice(0, GrpcProtocol.HeaderSize).CopyTo(header);
        compressed = ReadFlag(header[0]);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxSize)
        {
            throw MessageTooLarge();
        }

        if (buffer.Length < GrpcProtocol.HeaderSize + length)
        {
            return false;
        }

        payload = buffer.Slice(GrpcProtocol.HeaderSize, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <summary>The compressed flag must be 0 or 1 (PROTOCOL-HTTP2.md); anything else is a protocol error.</summary>
    public static bool ReadFlag(byte flag) => flag switch
    {
        0 => false,
        1 => true,
        _ => throw new RpcException(new Status(StatusCode.Internal, "Invalid compressed flag in message prefix.")),
    };

    public static RpcException MessageTooLarge() =>
        new(new Status(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size."));

    public static RpcException SendTooLarge() =>
        new(new Status(StatusCode.ResourceExhausted, "Sending message exceeds the maximum configured message size."));

    /// <summary>
    /// Decides how to treat a frame's compressed flag given the call's <c>grpc-encoding</c>: gzip is
    /// decompressed; a set flag without an encoding is a protocol error (INTERNAL); any other
    /// encoding is not implemented here (UNIMPLEMENTED).
    /// </summary>
    public static void CheckEncoding(string? encoding)
    {
        if (string.IsNullOrEmpty(encoding) || string.Equals(encoding, GrpcProtocol.IdentityEncoding, StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.Internal, "Compressed message received without a grpc-encoding."));
        }

        if (!string.Equals(encoding, GrpcProtocol.GzipEncoding, StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, $"Unsupported grpc-encoding '{encoding}'; supported: {GrpcProtocol.AcceptedEncodings}."));
        }
    }

    /// <summary>Parses one payload, decompressing it first when flagged.</summary>
    public static T Parse<T>(MessageParser<T> parser, ReadOnlySequence<byte> payload, bool compressed, string? encoding, int maxSize)
        where T : IMessage<T>
    {
        try
        {
            if (!compressed)
            {
                return payload.IsSingleSegment ? parser.ParseFrom(payload.FirstSpan) : parser.ParseFrom(payload);
            }

            CheckEncoding(encoding);
            var buffer = Gzip.Decompress(payload, maxSize, out var length);
            try
            {
                return parser.ParseFrom(buffer.AsSpan(0, length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize message."), Metadata.Empty, ex);
        }
    }
}
