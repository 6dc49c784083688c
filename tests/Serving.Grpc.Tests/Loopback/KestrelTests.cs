using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Serving.Grpc.Internal;
using Serving.Grpc.Tests.Echo;
using Serving.Grpc.Tests.Infrastructure;

namespace Serving.Grpc.Tests.Loopback;

/// <summary>Our client against our server on real Kestrel sockets (127.0.0.1, free port).</summary>
public sealed class KestrelTests : IAsyncLifetime
{
    private static readonly TimeSpan SafetyTimeout = TimeSpan.FromSeconds(30);
    private GrpcTestHost _host = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _host = await GrpcTestHost.StartLoopbackAsync();
        _channel = _host.CreateChannel();
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Unary_OverH2c_ReturnsResponse()
    {
        var response = await _channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { Text = "socket" });

        Assert.Equal("socket", response.Text);
        Assert.StartsWith("ipv4:127.0.0.1:", _host.Echo.LastCall!.Peer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_ResponseHeadersAwaitedWhileTheCallRuns_ArriveBeforeTheResponse()
    {
        var headers = new Metadata().Add("x-user", "bob");
        using var call = _channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { EchoMetadata = true, SleepUntilCancelled = true }, new CallOptions(Headers: headers));
        var responseHeaders = call.ResponseHeadersAsync;
        await _host.Echo.Waiting.Task.WaitAsync(SafetyTimeout);

        var received = await responseHeaders.WaitAsync(SafetyTimeout);

        Assert.Equal("bob", received.GetValue("x-user"));
        Assert.False(call.ResponseAsync.IsCompleted);
        call.Dispose();
        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(SafetyTimeout));
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_ConcurrentCallsOnOneChannel_AllSucceed()
    {
        var tasks = Enumerable.Range(0, 200).Select(async i =>
        {
            var text = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var response = await _channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { Text = text, Payload = ByteString.CopyFrom(Payload.Create(1024, seed: i)) });
            return response.Text == text && response.Payload.Span.SequenceEqual(Payload.Create(1024, seed: i));
        });

        var results = await Task.WhenAll(tasks).WaitAsync(SafetyTimeout);

        Assert.All(results, Assert.True);
    }

    [Fact]
    public async Task Unary_LargeConcurrentMessages_ArriveIntactThroughTheServersLargeBlockPool()
    {
        const int size = 1024 * 1024;
        var tasks = Enumerable.Range(0, 8).Select(async i =>
        {
            var response = await _channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { Payload = ByteString.CopyFrom(Payload.Create(size, seed: i)) });
            return response.Payload.Span.SequenceEqual(Payload.Create(size, seed: i));
        });

        var results = await Task.WhenAll(tasks).WaitAsync(SafetyTimeout);

        Assert.All(results, Assert.True);
        // Kestrel received them into our 32 KiB blocks and gave the blocks back.
        var factory = Assert.IsType<ServerMemoryPoolFactory>(_host.Services.GetRequiredService<IMemoryPoolFactory<byte>>());
        Assert.Contains(factory.Pools, p => p.RetainedBlocks > 0);
    }

    [Fact]
    public async Task StreamingKinds_OverH2c_Work()
    {
        using var serverStream = _channel.CallInvoker.ServerStreaming(EchoMethods.ServerStream, new EchoRequest { Repeat = 100 });
        var count = 0;
        await foreach (var response in serverStream.ResponseStream.ReadAllAsync())
        {
            Assert.Equal(count++, response.Index);
        }

        using var clientStream = _channel.CallInvoker.ClientStreaming(EchoMethods.ClientStream);
        for (var i = 0; i < 100; i++)
        {
            await clientStream.RequestStream.WriteAsync(new EchoRequest { Text = "c" });
        }

        await clientStream.RequestStream.CompleteAsync();
        var aggregate = await clientStream;

        using var duplex = _channel.CallInvoker.DuplexStreaming(EchoMethods.Duplex);
        var reader = Task.Run(async () =>
        {
            var received = 0;
            while (await duplex.ResponseStream.MoveNext())
            {
                received++;
            }

            return received;
        });
        for (var i = 0; i < 100; i++)
        {
            await duplex.RequestStream.WriteAsync(new EchoRequest { Text = "d" });
        }

        await duplex.RequestStream.CompleteAsync();

        Assert.Equal(100, count);
        Assert.Equal(100, aggregate.Count);
        Assert.Equal(100, await reader.WaitAsync(SafetyTimeout));
    }

    [Fact]
    public async Task Unary_32MiBMessage_RoundTrips()
    {
        var payload = Payload.Create(32 * 1024 * 1024, seed: 32);

        var response = await _channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { Payload = ByteString.CopyFrom(payload) }).ResponseAsync.WaitAsync(SafetyTimeout);

        Assert.True(response.Payload.Span.SequenceEqual(payload));
    }

    [Fact]
    public async Task Unary_OverLimitMessage_ReturnsResourceExhausted()
    {
        using var channel = _host.CreateChannel(o => o.MaxSendMessageSize = int.MaxValue);

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { Payload = ByteString.CopyFrom(new byte[(64 * 1024 * 1024) + 1]) }).ResponseAsync.WaitAsync(SafetyTimeout));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_Cancelled_ResetsStreamAndServerTokenFires()
    {
        using var cts = new CancellationTokenSource();
        using var call = _channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { SleepUntilCancelled = true }, new CallOptions(CancellationToken: cts.Token));
        await _host.Echo.Waiting.Task.WaitAsync(SafetyTimeout);

        await cts.CancelAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(SafetyTimeout));
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await _host.Echo.CancellationObserved.Task.WaitAsync(SafetyTimeout);

        // The connection survives the reset: the next call works.
        Assert.Equal("after", (await _channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { Text = "after" })).Text);
    }

    [Fact]
    public async Task Server_DeadlineExceededWhileHandlerIgnoresToken_ClientGetsDeadlineExceededPromptly()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var method = new Method<EchoRequest, EchoResponse>(MethodType.Unary, "serving.test.Stubborn", "Call", EchoRequest.Parser, EchoResponse.Parser);
        await using var host = await GrpcTestHost.StartLoopbackAsync(useManualTime: true, map: app => app.MapGrpcService(ServiceDefinition.CreateBuilder()
            .AddUnary(method, async (request, context) =>
            {
                started.TrySetResult();
                await release.Task; // ignores context.CancellationToken on purpose
                return new EchoResponse { Text = "too late" };
            })
            .Build()));

        // The client's clock never moves, so only the server's deadline can end the call.
        var clientTime = new ManualTimeProvider();
        using var channel = host.CreateChannel(o => o.TimeProvider = clientTime);
        using var call = channel.CallInvoker.UnaryAsync(method, new EchoRequest(), new CallOptions(Deadline: clientTime.GetUtcNow().UtcDateTime.AddMilliseconds(500)));
        await started.Task.WaitAsync(SafetyTimeout);

        host.ServerTime!.Advance(TimeSpan.FromSeconds(1));

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(SafetyTimeout));
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        release.SetResult();
    }

    [Fact]
    public async Task UnknownMethod_OverKestrel_ReturnsUnimplemented()
    {
        var method = new Method<EchoRequest, EchoResponse>(MethodType.Unary, "serving.test.Missing", "Call", EchoRequest.Parser, EchoResponse.Parser);

        var ex = await Assert.ThrowsAsync<RpcException>(() => _channel.CallInvoker.UnaryAsync(method, new EchoRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    [Fact]
    public async Task ConnectionRefused_ReturnsUnavailable()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest()).ResponseAsync.WaitAsync(SafetyTimeout));

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
    }

    [Fact]
    public async Task Tls_CertificateFromFileWithPassword_ServesOverHttps()
    {
        var path = Path.Combine(Path.GetTempPath(), $"serving-grpc-test-{Guid.NewGuid():N}.pfx");
        using var generated = CreateSelfSignedCertificate();
        await File.WriteAllBytesAsync(path, generated.Export(X509ContentType.Pkcs12, "secret"));
        try
        {
            var options = new GrpcServerOptions { CertificatePath = path, CertificatePassword = "secret" };
            using var certificate = GrpcServerExtensions.LoadCertificate(options.CertificatePath, options.CertificatePassword);
            await using var host = await GrpcTestHost.StartLoopbackAsync(certificate);
            var handler = GrpcChannel.CreateHttpHandler();
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == generated.GetCertHashString();
            using var channel = GrpcChannel.ForAddress(new Uri(host.Address.ToString().Replace("http://", "https://", StringComparison.Ordinal)), new GrpcChannelOptions { HttpHandler = handler, DisposeHttpHandler = true });

            var response = await channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { Text = "secure" });

            Assert.Equal("secure", response.Text);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static X509Certificate2 CreateSelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
