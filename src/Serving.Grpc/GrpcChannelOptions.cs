namespace Serving.Grpc;

/// <summary>Options of a <see cref="GrpcChannel"/>.</summary>
public sealed class GrpcChannelOptions
{
    /// <summary>Largest response message accepted, in bytes; larger ones fail the call with RESOURCE_EXHAUSTED. Default 64 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = Internal.GrpcProtocol.DefaultMaxMessageSize;

    /// <summary>Largest request message sent, in bytes; larger ones fail the call with RESOURCE_EXHAUSTED before sending. Default 64 MiB.</summary>
    public int MaxSendMessageSize { get; set; } = Internal.GrpcProtocol.DefaultMaxMessageSize;

    /// <summary>
    /// The handler that carries the calls, e.g. <c>TestServer.CreateHandler()</c> or a tuned
    /// <see cref="System.Net.Http.SocketsHttpHandler"/>. When null the channel creates one with
    /// <see cref="GrpcChannel.CreateHttpHandler"/> and disposes it with itself.
    /// </summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary>Whether disposing the channel disposes <see cref="HttpHandler"/>. Default false.</summary>
    public bool DisposeHttpHandler { get; set; }

    /// <summary>Interval of HTTP/2 keepalive PINGs while calls are active; <see cref="Timeout.InfiniteTimeSpan"/> disables them. Default 60 s.</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a keepalive PING may go unanswered before the connection is dropped. Default 20 s.</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Open more HTTP/2 connections when one reaches the server's concurrent stream limit. Default true.</summary>
    public bool EnableMultipleHttp2Connections { get; set; } = true;

    /// <summary>The clock for deadlines (tests inject a manual one).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
