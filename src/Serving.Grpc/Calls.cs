using System.Runtime.CompilerServices;
using Serving.Grpc.Internal;

namespace Serving.Grpc;

/// <summary>A unary call in flight. Awaitable; <see cref="Dispose"/> cancels it if still running.</summary>
public sealed class AsyncUnaryCall<TResponse> : IDisposable
{
    private readonly IClientCall _call;

    internal AsyncUnaryCall(Task<TResponse> responseAsync, IClientCall call)
    {
        ResponseAsync = responseAsync;
        _call = call;
    }

    /// <summary>The response; faults with <see cref="RpcException"/> when the call fails.</summary>
    public Task<TResponse> ResponseAsync { get; }

    /// <summary>The response headers (metadata), once received.</summary>
    public Task<Metadata> ResponseHeadersAsync => _call.ResponseHeadersAsync;

    /// <summary>Allows <c>await call</c>.</summary>
    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();

    /// <summary>The final status; throws <see cref="InvalidOperationException"/> before the call ends.</summary>
    public Status GetStatus() => _call.GetStatus();

    /// <summary>The trailers; throws <see cref="InvalidOperationException"/> before the call ends.</summary>
    public Metadata GetTrailers() => _call.GetTrailers();

    /// <summary>Cancels the call if it is still running (the HTTP/2 stream is reset).</summary>
    public void Dispose() => _call.Dispose();
}

/// <summary>A server-streaming call in flight; <see cref="Dispose"/> cancels it if still running.</summary>
public sealed class AsyncServerStreamingCall<TResponse> : IDisposable
{
    private readonly IClientCall _call;

    internal AsyncServerStreamingCall(IAsyncStreamReader<TResponse> responseStream, IClientCall call)
    {
        ResponseStream = responseStream;
        _call = call;
    }

    /// <summary>The responses; <c>MoveNext</c> throws <see cref="RpcException"/> when the call ends with an error.</summary>
    public IAsyncStreamReader<TResponse> ResponseStream { get; }

    /// <summary>The response headers (metadata), once received.</summary>
    public Task<Metadata> ResponseHeadersAsync => _call.ResponseHeadersAsync;

    /// <summary>The final status; throws <see cref="InvalidOperationException"/> before the call ends.</summary>
    public Status GetStatus() => _call.GetStatus();

    /// <summary>The trailers; throws <see cref="InvalidOperationException"/> before the call ends.</summary>
    public Metadata GetTrailers() => _call.GetTrailers();

    /// <summary>Cancels the call if it is still running.</summary>
    public void Dispose() => _call.Dispose();
}

/// <summary>A client-streaming call in flight. Awaitable; <see cref="Dispose"/> cancels it if still running.</summary>
public sealed class AsyncClientStreamingCall<TRequest, TResponse> : IDisposable
{
    private readonly IClientCall _call;

    internal AsyncClientStreamingCall(IClientStreamWriter<TRequest> requestStream, Task<TResponse> responseAsync, IClientCall call)
    {
        RequestStream = requestStream;
        ResponseAsync = responseAsync;
        _call = call;
    }

    /// <summary>Write requests here, then <c>CompleteAsync</c>.</summary>
    public IClientStreamWriter<TRequest> RequestStream { get; }

    /// <summary>The response; faults with <see cref="RpcException"/> when the call fails.</summary>
    public Task<TResponse> ResponseAsync { get; }

    /// <summary>The response headers (metadata), once received.</summary>
    public Task<Metadata> ResponseHeadersAsync => _call.ResponseHeadersAsync;

    /// <summary>Allows <c>await call</c>.</summary>
    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();

    /// <summary>The final status; throws <see cref="InvalidOperationException"/> before the call ends.</summary>
    public Status GetStatus() => _call.GetStatus();

    /// <summary>The trailers; throws <see cref="InvalidOperationException"/> before the call ends.</summary>
    public Metadata GetTrailers() => _call.GetTrailers();

    /// <summary>Cancels the call if it is still running.</summary>
    public void Dispose() => _call.Dispose();
}

/// <summary>A bidirectional streaming call in flight; <see cref="Dispose"/> cancels it if still running.</summary>
public sealed class AsyncDuplexStreamingCall<TRequest, TResponse> : IDisposable
{
    private readonly IClientCall _call;

    internal AsyncDuplexStreamingCall(IClientStreamWriter<TRequest> requestStream, IAsyncStreamReader<TResponse> responseStream, IClientCall call)
    {
        RequestStream = requestStream;
        ResponseStream = responseStream;
        _call = call;
    }

    /// <summary>Write requests here, then <c>CompleteAsync</c>.</summary>
    public IClientStreamWriter<TRequest> RequestStream { get; }

    /// <summary>The responses; <c>MoveNext</c> throws <see cref="RpcException"/> when the call ends with an error.</summary>
    public IAsyncStreamReader<TResponse> ResponseStream { get; }

    /// <summary>The response headers (metadata), once received.</summary>
    public Task<Metadata> ResponseHeadersAsync => _call.ResponseHeadersAsync;

    /// <summary>The final status; throws <see cref="InvalidOperationException"/> before the call ends.</summary>
    public Status GetStatus() => _call.GetStatus();

    /// <summary>The trailers; throws <see cref="InvalidOperationException"/> before the call ends.</summary>
    public Metadata GetTrailers() => _call.GetTrailers();

    /// <summary>Cancels the call if it is still running.</summary>
    public void Dispose() => _call.Dispose();
}
