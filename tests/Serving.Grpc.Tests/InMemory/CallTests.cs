using Google.Protobuf;
using Serving.Grpc.Tests.Echo;
using Serving.Grpc.Tests.Infrastructure;

namespace Serving.Grpc.Tests.InMemory;

/// <summary>Every call kind through our client and server, in memory (TestServer).</summary>
public sealed class CallTests : IAsyncLifetime
{
    private static readonly TimeSpan SafetyTimeout = TimeSpan.FromSeconds(30);
    private GrpcTestHost _host = null!;
    private GrpcChannel _channel = null!;

    private CallInvoker Invoker => _channel.CallInvoker;

    public async Task InitializeAsync()
    {
        _host = await GrpcTestHost.StartInMemoryAsync();
        _channel = _host.CreateChannel();
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Unary_Echo_ReturnsResponseAndOkStatus()
    {
        var payload = ByteString.CopyFrom(Payload.Create(1024));
        using var call = Invoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { Text = "hi", Payload = payload });

        var response = await call;

        Assert.Equal("hi", response.Text);
        Assert.Equal(payload, response.Payload);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Empty(call.GetTrailers());
    }

    [Fact]
    public async Task Unary_ManySequentialCalls_ReuseTheChannel()
    {
        for (var i = 0; i < 50; i++)
        {
            var response = await Invoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { Text = i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Text);
        }
    }

    [Theory]
    [InlineData(StatusCode.NotFound, "no such model")]
    [InlineData(StatusCode.InvalidArgument, "bad input: é ✓ 100% \n second line")]
    [InlineData(StatusCode.ResourceExhausted, "slo_unattainable")]
    public async Task Unary_ErrorStatus_ThrowsRpcExceptionWithCodeAndMessage(StatusCode code, string message)
    {
        using var call = Invoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { ErrorCode = (int)code, ErrorMessage = message });

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(code, ex.StatusCode);
        Assert.Equal(message, ex.Status.Detail);
        Assert.Equal(new Status(code, message), call.GetStatus());
    }

    [Fact]
    public async Task Unary_HandlerThrows_ReturnsUnknownWithoutExceptionDetails()
    {
        await using var host = await GrpcTestHost.StartInMemoryAsync(map: app => app.MapGrpcService(ServiceDefinition.CreateBuilder()
            .AddUnary(Throwing, (_, _) => throw new InvalidOperationException("secret connection string"))
            .Build()));
        using var channel = host.CreateChannel();

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(Throwing, new EchoRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
        Assert.DoesNotContain("secret", ex.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_HandlerThrowsWithDetailedErrors_IncludesMessageButNoStackTrace()
    {
        await using var host = await GrpcTestHost.StartInMemoryAsync(
            configure: o => o.EnableDetailedErrors = true,
            map: app => app.MapGrpcService(ServiceDefinition.CreateBuilder()
                .AddUnary(Throwing, (_, _) => throw new InvalidOperationException("visible"))
                .Build()));
        using var channel = host.CreateChannel();

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(Throwing, new EchoRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unknown, ex.StatusCode);
        Assert.Contains("InvalidOperationException: visible", ex.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerStreaming_Repeat_ReturnsAllMessagesInOrder()
    {
        using var call = Invoker.ServerStreaming(EchoMethods.ServerStream, new EchoRequest { Text = "s", Repeat = 20 });

        var indexes = new List<int>();
        await foreach (var response in call.ResponseStream.ReadAllAsync())
        {
            indexes.Add(response.Index);
        }

        Assert.Equal(Enumerable.Range(0, 20), indexes);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task ServerStreaming_ErrorAfterMessages_DeliversMessagesThenThrows()
    {
        using var call = Invoker.ServerStreaming(EchoMethods.ServerStream, new EchoRequest { Repeat = 3, ErrorCode = (int)StatusCode.Aborted, ErrorMessage = "stopped" });

        var received = 0;
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext())
            {
                received++;
            }
        });

        Assert.Equal(3, received);
        Assert.Equal(StatusCode.Aborted, ex.StatusCode);
        Assert.Equal("stopped", ex.Status.Detail);
    }

    [Fact]
    public async Task ClientStreaming_SendsAll_ReturnsAggregate()
    {
        using var call = Invoker.ClientStreaming(EchoMethods.ClientStream);
        for (var i = 0; i < 10; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = i.ToString(System.Globalization.CultureInfo.InvariantCulture), Payload = ByteString.CopyFrom(new byte[100]) });
        }

        await call.RequestStream.CompleteAsync();
        var response = await call;

        Assert.Equal(10, response.Count);
        Assert.Equal("0,1,2,3,4,5,6,7,8,9", response.Text);
        Assert.Equal(1000, response.Index);
    }

    [Fact]
    public async Task ClientStreaming_NoMessages_ReturnsEmptyAggregate()
    {
        using var call = Invoker.ClientStreaming(EchoMethods.ClientStream);
        await call.RequestStream.CompleteAsync();

        var response = await call;

        Assert.Equal(0, response.Count);
    }

    [Fact]
    public async Task DuplexStreaming_PingPong_EchoesEachMessageInTurn()
    {
        using var call = Invoker.DuplexStreaming(EchoMethods.Duplex);
        for (var i = 0; i < 5; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = "m" + i });
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.Equal("m" + i, call.ResponseStream.Current.Text);
            Assert.Equal(i, call.ResponseStream.Current.Index);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task DuplexStreaming_ServerError_SurfacesOnReadAndFailsLaterWrites()
    {
        using var call = Invoker.DuplexStreaming(EchoMethods.Duplex);
        await call.RequestStream.WriteAsync(new EchoRequest { ErrorCode = (int)StatusCode.FailedPrecondition, ErrorMessage = "nope" });

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        var writeEx = await Assert.ThrowsAsync<RpcException>(() => call.RequestStream.WriteAsync(new EchoRequest()));

        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Equal(StatusCode.FailedPrecondition, writeEx.StatusCode);
    }

    [Fact]
    public async Task Unary_ResponseHeadersOfATrailersOnlyError_CompleteWithoutTheReservedStatusKeys()
    {
        using var call = Invoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { ErrorCode = (int)StatusCode.NotFound, ErrorMessage = "gone" });

        var received = await call.ResponseHeadersAsync.WaitAsync(SafetyTimeout);

        Assert.Null(received.Get("grpc-status"));
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_ResponseHeadersOfACallWhoseDeadlineHadPassed_FailWithTheStatus()
    {
        using var call = Invoker.UnaryAsync(EchoMethods.Unary, new EchoRequest(), new CallOptions(Deadline: DateTime.UtcNow.AddSeconds(-1)));

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseHeadersAsync.WaitAsync(SafetyTimeout));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
    }

    [Fact]
    public async Task Metadata_AsciiAndBinary_ReachServerAndComeBackInHeadersAndTrailers()
    {
        var binary = new byte[] { 0, 1, 2, 127, 128, 254, 255 };
        var headers = new Metadata().Add("x-user", "alice").Add("x-blob-bin", binary).Add("other", "not echoed");
        using var call = Invoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { EchoMetadata = true }, new CallOptions(Headers: headers));

        await call;
        var responseHeaders = await call.ResponseHeadersAsync;
        var trailers = call.GetTrailers();

        Assert.Equal("alice", _host.Echo.LastCall!.RequestHeaders.GetValue("x-user"));
        Assert.Equal("alice", responseHeaders.GetValue("x-user"));
        Assert.Equal(binary, responseHeaders.GetValueBytes("x-blob-bin"));
        Assert.Equal("alice", trailers.GetValue("x-user"));
        Assert.Equal(binary, trailers.GetValueBytes("x-blob-bin"));
        Assert.Null(trailers.Get("other"));
    }

    [Fact]
    public async Task Metadata_ErrorStatus_TrailersOnlyCarryMetadata()
    {
        var headers = new Metadata().Add("x-id-bin", new byte[] { 9, 8, 7 });
        using var call = Invoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { ErrorCode = (int)StatusCode.NotFound }, new CallOptions(Headers: headers));

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        // No echo_metadata: the handler threw before any response headers, so nothing is echoed.
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Null(ex.Trailers.Get("x-id-bin"));
    }

    [Fact]
    public async Task Server_Peer_HostAndMethod_AreExposedToHandler()
    {
        await Invoker.UnaryAsync(EchoMethods.Unary, new EchoRequest());

        var context = _host.Echo.LastCall!;
        Assert.Equal("/serving.test.EchoService/Unary", context.Method);
        Assert.Equal(DateTime.MaxValue, context.Deadline);
        Assert.Equal("localhost", context.Host);
    }

    private static readonly Method<EchoRequest, EchoResponse> Throwing = new(MethodType.Unary, "serving.test.Throwing", "Call", EchoRequest.Parser, EchoResponse.Parser);
}
