using System.Buffers;
using System.IO.Pipelines;
using Google.Protobuf;
using Serving.Grpc.Internal;
using Serving.Grpc.Tests.Echo;
using Serving.Grpc.Tests.Infrastructure;

namespace Serving.Grpc.Tests.Internal;

public sealed class FramingTests
{
    [Fact]
    public void WriteMessage_SmallMessage_WritesPrefixAndPayload()
    {
        var message = new EchoRequest { Text = "hello" };
        var writer = new ArrayBufferWriter<byte>();

        Framing.WriteMessage(writer, message, message.CalculateSize());

        var bytes = writer.WrittenSpan.ToArray();
        Assert.Equal(0, bytes[0]);
        Assert.Equal(message.CalculateSize(), (bytes[1] << 24) | (bytes[2] << 16) | (bytes[3] << 8) | bytes[4]);
        Assert.Equal(message, EchoRequest.Parser.ParseFrom(bytes.AsSpan(5)));
    }

    [Fact]
    public void WriteMessage_LargeMessage_UsesBufferWriterPathAndRoundTrips()
    {
        var message = new EchoRequest { Payload = ByteString.CopyFrom(Payload.Create(200_000)) };
        var writer = new ArrayBufferWriter<byte>();

        Framing.WriteMessage(writer, message, message.CalculateSize());

        var sequence = new ReadOnlySequence<byte>(writer.WrittenMemory);
        Assert.True(Framing.TryReadFrame(ref sequence, int.MaxValue, out var compressed, out var payload));
        Assert.False(compressed);
        Assert.True(sequence.IsEmpty);
        Assert.Equal(message, EchoRequest.Parser.ParseFrom(payload));
    }

    [Fact]
    public void TryReadFrame_PartialFrame_ReturnsFalseAndKeepsBuffer()
    {
        var frame = Frame(new EchoRequest { Text = "abc" });
        var sequence = new ReadOnlySequence<byte>(frame.AsMemory(0, frame.Length - 1));

        Assert.False(Framing.TryReadFrame(ref sequence, int.MaxValue, out _, out _));
        Assert.Equal(frame.Length - 1, sequence.Length);
    }

    [Fact]
    public void TryReadFrame_TwoFramesInOneBuffer_ReadsBothInOrder()
    {
        var both = Frame(new EchoRequest { Text = "a" }).Concat(Frame(new EchoRequest { Text = "b" })).ToArray();
        var sequence = new ReadOnlySequence<byte>(both);

        Assert.True(Framing.TryReadFrame(ref sequence, int.MaxValue, out _, out var first));
        Assert.True(Framing.TryReadFrame(ref sequence, int.MaxValue, out _, out var second));

        Assert.Equal("a", EchoRequest.Parser.ParseFrom(first).Text);
        Assert.Equal("b", EchoRequest.Parser.ParseFrom(second).Text);
        Assert.True(sequence.IsEmpty);
    }

    [Fact]
    public void TryReadFrame_MultiSegmentSequence_ParsesAcrossSegments()
    {
        var frame = Frame(new EchoRequest { Text = "split across segments", Payload = ByteString.CopyFrom(Payload.Create(100)) });
        var sequence = Segments(frame, 3);

        Assert.True(Framing.TryReadFrame(ref sequence, int.MaxValue, out _, out var payload));

        Assert.False(payload.IsSingleSegment);
        Assert.Equal("split across segments", Framing.Parse(EchoRequest.Parser, payload, false, null, int.MaxValue).Text);
    }

    [Fact]
    public void TryReadFrame_LengthOverLimit_ThrowsResourceExhaustedBeforePayloadArrives()
    {
        var header = new byte[5];
        Framing.WriteHeader(header, compressed: false, 1025);
        var sequence = new ReadOnlySequence<byte>(header);

        var ex = Assert.Throws<RpcException>(() => Framing.TryReadFrame(ref sequence, 1024, out _, out _));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public void TryReadFrame_InvalidCompressedFlag_ThrowsInternal()
    {
        var sequence = new ReadOnlySequence<byte>(new byte[] { 2, 0, 0, 0, 0 });

        var ex = Assert.Throws<RpcException>(() => Framing.TryReadFrame(ref sequence, 1024, out _, out _));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public void Parse_GzipPayload_Decompresses()
    {
        var message = new EchoRequest { Text = "compressed" };
        var compressed = Gzip.Compress(message.ToByteArray());

        var parsed = Framing.Parse(EchoRequest.Parser, new ReadOnlySequence<byte>(compressed), compressed: true, "gzip", 1024);

        Assert.Equal(message, parsed);
    }

    [Fact]
    public void Parse_GzipExpandsPastLimit_ThrowsResourceExhausted()
    {
        var message = new EchoRequest { Payload = ByteString.CopyFrom(new byte[100_000]) };
        var compressed = Gzip.Compress(message.ToByteArray());

        var ex = Assert.Throws<RpcException>(() => Framing.Parse(EchoRequest.Parser, new ReadOnlySequence<byte>(compressed), true, "gzip", 10_000));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Theory]
    [InlineData(null, StatusCode.Internal)]
    [InlineData("identity", StatusCode.Internal)]
    [InlineData("deflate", StatusCode.Unimplemented)]
    [InlineData("snappy", StatusCode.Unimplemented)]
    public void Parse_CompressedWithoutSupportedEncoding_ThrowsExpectedCode(string? encoding, StatusCode expected)
    {
        var ex = Assert.Throws<RpcException>(() => Framing.Parse(EchoRequest.Parser, new ReadOnlySequence<byte>(new byte[] { 1, 2, 3 }), true, encoding, 1024));

        Assert.Equal(expected, ex.StatusCode);
    }

    [Fact]
    public void Parse_GarbagePayload_ThrowsInternal()
    {
        var ex = Assert.Throws<RpcException>(() => Framing.Parse(EchoRequest.Parser, new ReadOnlySequence<byte>(new byte[] { 0xFF, 0xFF, 0xFF }), false, null, 1024));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task FrameReader_MessagesSplitAcrossReads_ReadsEachThenEnd()
    {
        var messages = Enumerable.Range(0, 5).Select(i => new EchoResponse { Index = i, Payload = ByteString.CopyFrom(Payload.Create(i * 3000, seed: i)) }).ToList();
        var bytes = messages.SelectMany(m => Frame(m)).ToArray();
        using var reader = new FrameReader(new TrickleStream(bytes, chunk: 777));

        var read = new List<EchoResponse>();
        while (await reader.ReadMessageAsync(EchoResponse.Parser, int.MaxValue, null, CancellationToken.None) is { } message)
        {
            read.Add(message);
        }

        Assert.Equal(messages, read);
    }

    [Fact]
    public async Task FrameReader_StreamEndsMidFrame_ThrowsInternal()
    {
        var frame = Frame(new EchoResponse { Text = "cut" });
        using var reader = new FrameReader(new MemoryStream(frame, 0, frame.Length - 2));

        var ex = await Assert.ThrowsAsync<RpcException>(async () => await reader.ReadMessageAsync(EchoResponse.Parser, int.MaxValue, null, CancellationToken.None));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    internal static byte[] Frame(IMessage message)
    {
        var writer = new ArrayBufferWriter<byte>();
        Framing.WriteMessage(writer, message, message.CalculateSize());
        return writer.WrittenSpan.ToArray();
    }

    private static ReadOnlySequence<byte> Segments(byte[] data, int count)
    {
        var size = (data.Length + count - 1) / count;
        Segment? first = null;
        Segment? last = null;
        for (var offset = 0; offset < data.Length; offset += size)
        {
            var memory = data.AsMemory(offset, Math.Min(size, data.Length - offset));
            last = last is null ? first = new Segment(memory, 0) : last.Append(memory);
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    /// <summary>Returns at most <c>chunk</c> bytes per read, like a network stream.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
