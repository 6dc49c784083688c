namespace Serving.Grpc;

/// <summary>
/// What a server handler knows about its call: method, deadline, cancellation, metadata, and the
/// means to send response headers, trailers and a status. Abstract so that handlers can be unit
/// tested with a hand-written context.
/// </summary>
public abstract class ServerCallContext
{
    /// <summary>The full method name, <c>/service/method</c>.</summary>
    public abstract string Method { get; }

    /// <summary>The authority the client called (the <c>:authority</c> pseudo-header).</summary>
    public abstract string Host { get; }

    /// <summary>The caller's address, e.g. <c>ipv4:127.0.0.1:51234</c>.</summary>
    public abstract string Peer { get; }

    /// <summary>The call's deadline in UTC, or <see cref="DateTime.MaxValue"/> when the client set none.</summary>
    public abstract DateTime Deadline { get; }

    /// <summary>The request metadata (transport and gRPC-reserved headers excluded).</summary>
    public abstract Metadata RequestHeaders { get; }

    /// <summary>Fires when the deadline passes or the client goes away (cancels or disconnects).</summary>
    public abstract CancellationToken CancellationToken { get; }

    /// <summary>Trailers sent with the status at the end of the call.</summary>
    public abstract Metadata ResponseTrailers { get; }

    /// <summary>
    /// The status sent when the handler returns normally (default OK). Throw <see cref="RpcException"/>
    /// instead to end a unary call with an error.
    /// </summary>
    public abstract Status Status { get; set; }

    /// <summary>Sends the response headers now (at most once, before the first message).</summary>
    public abstract Task WriteResponseHeadersAsync(Metadata responseHeaders);
}
