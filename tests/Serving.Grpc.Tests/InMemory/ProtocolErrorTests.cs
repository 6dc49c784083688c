using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Serving.Grpc.Internal;
using Serving.Grpc.Tests.Echo;
using Serving.Grpc.Tests.Infrastructure;
using Serving.Grpc.Tests.Internal;

namespace Serving.Grpc.Tests.InMemory;

/// <summary>Limits, unknown methods and HTTP-level errors, checked through our client and through raw HTTP/2 requests.</summary>
public sealed class ProtocolErrorTests : IAsyncLifetime
{
    private static readonly Method<EchoRequest, EchoResponse> Unavailable = new(MethodType.Unary, "serving.test.Proxy", "Unavailable", EchoRequest.Parser, EchoResponse.Parser);
    private GrpcTestHost _host = null!;

    public async Task InitializeAsync() => _host = await GrpcTestHost.StartInMemoryAsync(
        configure: o =>
        {
            o.MaxReceiveMessageSize = 64 * 1024;
            o.MaxSendMessageSize = 128 * 1024;
        },
        map: app => app.MapPost(Unavailable.FullName, (HttpContext http) => http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable));

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Unary_RequestOverServerLimit_ReturnsResourceExhausted()
    {
        using var channel = _host.CreateChannel();

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { Payload = ByteString.CopyFrom(new byte[65 * 1024]) }).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_ResponseOverServerSendLimit_ReturnsResourceExhausted()
    {
        using var channel = _host.CreateChannel();

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { ResponsePayloadSize = 200 * 1024 }).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("Sending message exceeds", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_ResponseOverClientLimit_ReturnsResourceExhausted()
    {
        using var channel = _host.CreateChannel(o => o.MaxReceiveMessageSize = 10 * 1024);

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { ResponsePayloadSize = 20 * 1024 }).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Contains("Received message exceeds", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_RequestOverClientSendLimit_FailsWithoutCallingServer()
    {
        using var channel = _host.CreateChannel(o => o.MaxSendMessageSize = 1024);

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(EchoMethods.Unary, new EchoRequest { Text = "x", Payload = ByteString.CopyFrom(new byte[2048]) }).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Null(_host.Echo.LastCall);
    }

    [Fact]
    public async Task ClientStreaming_MessageOverServerLimit_ReturnsResourceExhausted()
    {
        using var channel = _host.CreateChannel();
        using var call = channel.CallInvoker.ClientStreaming(EchoMethods.ClientStream);
        await call.RequestStream.WriteAsync(new EchoRequest { Text = "fine" });

        // The server may end the call while the oversized write is still in flight.
        try
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Payload = ByteString.CopyFrom(new byte[65 * 1024]) });
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
        }

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Theory]
    [InlineData("/serving.test.EchoService/NoSuchMethod")]
    [InlineData("/serving.test.NoSuchService/Unary")]
    public async Task UnknownServiceOrMethod_ReturnsUnimplemented(string path)
    {
        using var channel = _host.CreateChannel();
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var method = new Method<EchoRequest, EchoResponse>(MethodType.Unary, parts[0], parts[1], EchoRequest.Parser, EchoResponse.Parser);

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(method, new EchoRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
        Assert.Contains(path, ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpError503_MapsToUnavailable()
    {
        using var channel = _host.CreateChannel();

        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.CallInvoker.UnaryAsync(Unavailable, new EchoRequest()).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains("503", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorBeforeResponse_IsTrailersOnly()
    {
        using var response = await SendRawAsync(EchoMethods.Unary.FullName, FramingTests.Frame(new EchoRequest { ErrorCode = 5, ErrorMessage = "missing é" }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("5", Header(response.Headers, "grpc-status"));
        Assert.Equal("missing %C3%A9", Header(response.Headers, "grpc-message"));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.Empty(response.TrailingHeaders);
    }

    [Fact]
    public async Task SuccessfulCall_StatusInTrailers()
    {
        using var response = await SendRawAsync(EchoMethods.Unary.FullName, FramingTests.Frame(new EchoRequest { Text = "t" }));
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("t", EchoResponse.Parser.ParseFrom(body.AsSpan(5)).Text);
        Assert.Equal("0", Header(response.TrailingHeaders, "grpc-status"));
    }

    [Fact]
    public async Task WrongContentType_Returns415()
    {
        using var response = await SendRawAsync(EchoMethods.Unary.FullName, FramingTests.Frame(new EchoRequest()), contentType: "application/json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task GetRequest_Returns405()
    {
        using var client = _host.TestServer!.CreateClient();

        using var response = await client.GetAsync(new Uri(EchoMethods.Unary.FullName, UriKind.Relative));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task NonGrpcRequestToUnknownPath_Returns404()
    {
        using var response = await SendRawAsync("/not/grpc", [1, 2, 3], contentType: "text/plain");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task GzipCompressedRequest_IsDecompressed()
    {
        var message = new EchoRequest { Text = "zipped", Payload = ByteString.CopyFrom(new byte[5000]) };
        var compressed = Gzip.Compress(message.ToByteArray());
        var frame = new byte[5 + compressed.Length];
        Framing.WriteHeader(frame, compressed: true, compressed.Length);
        compressed.CopyTo(frame, 5);

        using var response = await SendRawAsync(EchoMethods.Unary.FullName, frame, encoding: "gzip");
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal("0", Header(response.TrailingHeaders, "grpc-status"));
        Assert.Equal(5000, EchoResponse.Parser.ParseFrom(body.AsSpan(5)).Count);
        Assert.Equal("identity,gzip", Header(response.Headers, "grpc-accept-encoding"));
    }

    [Fact]
    public async Task CompressedRequestWithUnsupportedEncoding_ReturnsUnimplemented()
    {
        var frame = new byte[] { 1, 0, 0, 0, 2, 0xAB, 0xCD };

        using var response = await SendRawAsync(EchoMethods.Unary.FullName, frame, encoding: "snappy");

        Assert.Equal(((int)StatusCode.Unimplemented).ToString(System.Globalization.CultureInfo.InvariantCulture), Header(response.Headers, "grpc-status"));
    }

    [Fact]
    public async Task InvalidGrpcTimeout_ReturnsInternal()
    {
        using var response = await SendRawAsync(EchoMethods.Unary.FullName, FramingTests.Frame(new EchoRequest()), timeout: "forever");

        Assert.Equal("13", Header(response.Headers, "grpc-status"));
    }

    [Fact]
    public async Task TruncatedRequestFrame_ReturnsInternal()
    {
        var frame = FramingTests.Frame(new EchoRequest { Text = "truncated" });

        using var response = await SendRawAsync(EchoMethods.Unary.FullName, frame[..^3]);

        Assert.Equal("13", Header(response.Headers, "grpc-status"));
    }

    private async Task<HttpResponseMessage> SendRawAsync(string path, byte[] body, string contentType = "application/grpc", string? encoding = null, string? timeout = null)
    {
        using var client = _host.TestServer!.CreateClient();
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Version = HttpVersion.Version20, Content = content };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (encoding is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-encoding", encoding);
        }

        if (timeout is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-timeout", timeout);
        }

        return await client.SendAsync(request);
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}
