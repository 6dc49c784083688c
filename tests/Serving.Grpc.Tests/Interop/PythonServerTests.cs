using Google.Protobuf;
using Serving.Grpc.Tests.Echo;
using Serving.Grpc.Tests.Infrastructure;

namespace Serving.Grpc.Tests.Interop;

/// <summary>Starts Interop/echo_server.py (python3-grpcio) as a child process for the class's tests.</summary>
public sealed class PythonServerFixture : IAsyncLifetime
{
    private Exception? _setupError;
    private PythonProcess? _server;
    private int _port;

    internal PythonProcess Server => _server ?? throw Fail();

    public async Task InitializeAsync()
    {
        try
        {
            var stubs = await PythonGrpc.StubsAsync();
            _server = PythonProcess.Start("echo_server.py", stubs);
            var line = await _server.ReadLineAsync("PORT ", TimeSpan.FromSeconds(60))
                ?? throw new InvalidOperationException("echo_server.py exited before listening. stderr: " + _server.StandardError);
            _port = int.Parse(line["PORT ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex)
        {
            _setupError = ex;
        }
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    internal GrpcChannel CreateChannel(Action<GrpcChannelOptions>? configure = null)
    {
        if (_setupError is not null)
        {
            throw Fail();
        }

        var options = new GrpcChannelOptions();
        configure?.Invoke(options);
        return GrpcChannel.ForAddress($"http://127.0.0.1:{_port}", options);
    }

    private InvalidOperationException Fail() => new("Python interop set-up failed: " + _setupError?.Message, _setupError);
}

/// <summary>Our client calling a real gRPC implementation (python3-grpcio server).</summary>
public sealed class PythonServerTests(PythonServerFixture fixture) : IClassFixture<PythonServerFixture>
{
    private static readonly TimeSpan SafetyTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task PythonServer_Unary_ReturnsResponse()
    {
        using var channel = fixture.CreateChannel();
        var payload = ByteString.CopyFrom(Payload.Create(1024));

        var response = await channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { Text = "py", Payload = payload });

        Assert.Equal("py", response.Text);
        Assert.Equal(payload, response.Payload);
    }

    [Fact]
    public async Task PythonServer_ServerStreaming_ReturnsAllMessages()
    {
        using var channel = fixture.CreateChannel();
        using var call = channel.CallInvoker.ServerStreaming(EchoMethods.ServerStream, new EchoRequest { Repeat = 10 });

        var indexes = new List<int>();
        await foreach (var response in call.ResponseStream.ReadAllAsync())
        {
            indexes.Add(response.Index);
        }

        Assert.Equal(Enumerable.Range(0, 10), indexes);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task PythonServer_ClientStreaming_ReturnsAggregate()
    {
        using var channel = fixture.CreateChannel();
        using var call = channel.CallInvoker.ClientStreaming(EchoMethods.ClientStream);
        for (var i = 0; i < 10; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }

        await call.RequestStream.CompleteAsync();
        var response = await call;

        Assert.Equal(10, response.Count);
        Assert.Equal("0,1,2,3,4,5,6,7,8,9", response.Text);
    }

    [Fact]
    public async Task PythonServer_Duplex_PingPong()
    {
        using var channel = fixture.CreateChannel();
        using var call = channel.CallInvoker.DuplexStreaming(EchoMethods.Duplex);
        for (var i = 0; i < 5; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = "m" + i });
            Assert.True(await call.ResponseStream.MoveNext().WaitAsync(SafetyTimeout));
            Assert.Equal("m" + i, call.ResponseStream.Current.Text);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext().WaitAsync(SafetyTimeout));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task PythonServer_DeadlineExceeded_ReturnsDeadlineExceeded()
    {
        using var channel = fixture.CreateChannel();

        // A real (short) deadline: this checks the wire exchange with a real peer, whose clock we cannot fake.
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(
            EchoMethods.Unary,
            new EchoRequest { Text = "deadline", SleepUntilCancelled = true },
            CallOptions.WithTimeout(TimeSpan.FromMilliseconds(300))).ResponseAsync.WaitAsync(SafetyTimeout));

        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.NotNull(await fixture.Server.ReadLineAsync("CANCELLED deadline", SafetyTimeout));
    }

    [Fact]
    public async Task PythonServer_Cancellation_ServerSeesCancelledCall()
    {
        using var channel = fixture.CreateChannel();
        using var cts = new CancellationTokenSource();
        using var call = channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { Text = "cancel", SleepUntilCancelled = true }, new CallOptions(CancellationToken: cts.Token));
        Assert.NotNull(await fixture.Server.ReadLineAsync("WAITING cancel", SafetyTimeout));

        await cts.CancelAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(SafetyTimeout));
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.NotNull(await fixture.Server.ReadLineAsync("CANCELLED cancel", SafetyTimeout));
    }

    [Fact]
    public async Task PythonServer_32MiBMessage_RoundTrips()
    {
        using var channel = fixture.CreateChannel();
        var payload = Payload.Create(32 * 1024 * 1024, seed: 3);

        var response = await channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { Payload = ByteString.CopyFrom(payload) }).ResponseAsync.WaitAsync(SafetyTimeout);

        Assert.True(response.Payload.Span.SequenceEqual(payload));
    }

    [Fact]
    public async Task PythonServer_OverLimitRequest_ReturnsResourceExhausted()
    {
        using var channel = fixture.CreateChannel(o => o.MaxSendMessageSize = int.MaxValue);

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { Payload = ByteString.CopyFrom(new byte[(64 * 1024 * 1024) + 1]) }).ResponseAsync.WaitAsync(SafetyTimeout));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task PythonServer_ResponseOverClientLimit_ReturnsResourceExhausted()
    {
        using var channel = fixture.CreateChannel(o => o.MaxReceiveMessageSize = 1024 * 1024);

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { ResponsePayloadSize = 2 * 1024 * 1024 }).ResponseAsync.WaitAsync(SafetyTimeout));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task PythonServer_ErrorStatusWithNonAsciiMessage_ArrivesIntact()
    {
        using var channel = fixture.CreateChannel();
        const string message = "not found: café ✓ 100%";

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { ErrorCode = (int)StatusCode.NotFound, ErrorMessage = message }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal(message, ex.Status.Detail);
    }

    [Fact]
    public async Task PythonServer_BinaryMetadata_EchoedInHeadersAndTrailers()
    {
        using var channel = fixture.CreateChannel();
        var blob = new byte[] { 0, 1, 2, 127, 128, 254, 255 };
        using var call = channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { EchoMetadata = true }, new CallOptions(Headers: new Metadata().Add("x-user", "alice").Add("x-blob-bin", blob)));

        await call;
        var headers = await call.ResponseHeadersAsync;

        Assert.Equal("alice", headers.GetValue("x-user"));
        Assert.Equal(blob, headers.GetValueBytes("x-blob-bin"));
        Assert.Equal("alice", call.GetTrailers().GetValue("x-user"));
        Assert.Equal(blob, call.GetTrailers().GetValueBytes("x-blob-bin"));
    }

    [Fact]
    public async Task PythonServer_UnknownMethod_ReturnsUnimplemented()
    {
        using var channel = fixture.CreateChannel();
        var method = new Method<EchoRequest, EchoResponse>(MethodType.Unary, "serving.test.EchoService", "Missing", EchoRequest.Parser, EchoResponse.Parser);

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(method, new EchoRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }
}
