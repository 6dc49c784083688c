using System.Collections.Concurrent;
using System.Net.Http;

namespace Serving.Grpc;

/// <summary>
/// A long-lived client connection to one gRPC server address (HTTP/2 connections are pooled and
/// reused by the handler). Create one per server and share it; calls go through <see cref="CallInvoker"/>.
/// </summary>
public sealed class GrpcChannel : IDisposable
{
    private readonly ConcurrentDictionary<string, Uri> _uris = new(StringComparer.Ordinal);
    private readonly bool _disposeInvoker;
    private readonly string _baseAddress;

    private GrpcChannel(Uri address, GrpcChannelOptions options)
    {
        if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"Address '{address}' must be http:// (h2c) or https://.", nameof(address));
        }

        if (options.MaxReceiveMessageSize <= 0 || options.MaxSendMessageSize <= 0)
        {
            throw new ArgumentException("Message size limits must be positive.", nameof(options));
        }

        Address = address;
        Options = options;
        _baseAddress = address.GetLeftPart(UriPartial.Authority) + address.AbsolutePath.TrimEnd('/');
        var handler = options.HttpHandler;
        _disposeInvoker = handler is null || options.DisposeHttpHandler;
        Invoker = new HttpMessageInvoker(handler ?? CreateHttpHandler(options), disposeHandler: _disposeInvoker);
        CallInvoker = new CallInvoker(this);
    }

    /// <summary>The server address.</summary>
    public Uri Address { get; }

    /// <summary>Starts calls on this channel.</summary>
    public CallInvoker CallInvoker { get; }

    internal GrpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker { get; }

    /// <summary>Creates a channel to <paramref name="address"/>, e.g. <c>http://127.0.0.1:5000</c>.</summary>
    public static GrpcChannel ForAddress(string address, GrpcChannelOptions? options = null) =>
        ForAddress(new Uri(address, UriKind.Absolute), options);

    /// <summary>Creates a channel to <paramref name="address"/>.</summary>
    public static GrpcChannel ForAddress(Uri address, GrpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        return new GrpcChannel(address, options ?? new GrpcChannelOptions());
    }

    /// <summary>
    /// The handler a channel uses by default: HTTP/2 with several connections when streams run
    /// out, keepalive pings while calls are active, and idle connections kept for reuse. Public so
    /// that other HTTP clients can be tuned identically (the benchmark compares against one).
    /// </summary>
    public static SocketsHttpHandler CreateHttpHandler(GrpcChannelOptions? options = null)
    {
        options ??= new GrpcChannelOptions();
        return new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = options.EnableMultipleHttp2Connections,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            AllowAutoRedirect = false,
        };
    }

    internal Uri GetUri(string fullName) =>
        _uris.TryGetValue(fullName, out var uri) ? uri : _uris.GetOrAdd(fullName, static (name, self) => new Uri(self._baseAddress + name), this);

    /// <summary>Releases the connections (when the channel owns its handler).</summary>
    public void Dispose() => Invoker.Dispose();
}
