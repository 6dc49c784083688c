using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Serving.Grpc.Internal;

/// <summary>Serves one method: validates the HTTP request, runs the handler, writes the status.</summary>
internal abstract class ServerMethodHandler
{
    protected ServerMethodHandler(string path, MethodType type)
    {
        Path = path;
        Type = type;
    }

    public string Path { get; }

    public MethodType Type { get; }

    public virtual async Task HandleAsync(HttpContext http, GrpcServerRuntime runtime)
    {
        if (!ValidateRequest(http, runtime))
        {
            return;
        }

        var call = new HttpServerCallContext(http, runtime, Path);
        try
        {
            if (call.Start(streamingRequest: Type is MethodType.ClientStreaming or MethodType.DuplexStreaming))
            {
                await RunAsync(call).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            call.FinishWithException(ex);
        }
        finally
        {
            await call.EndAsync().ConfigureAwait(false);
        }
    }

    protected abstract Task RunAsync(HttpServerCallContext call);

    /// <summary>HTTP-level checks that come before gRPC semantics (PROTOCOL-HTTP2.md): POST and a gRPC content type.</summary>
    internal static bool ValidateRequest(HttpContext http, GrpcServerRuntime runtime)
    {
        var request = http.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            Reject(http, runtime, StatusCodes.Status405MethodNotAllowed, "gRPC requires POST");
            http.Response.Headers.Allow = "POST";
            return false;
        }

        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            Reject(http, runtime, StatusCodes.Status415UnsupportedMediaType, "content-type is not application/grpc");
            return false;
        }

        return true;
    }

    private static void Reject(HttpContext http, GrpcServerRuntime runtime, int httpStatus, string reason)
    {
        ServerLog.RequestRejected(runtime.Logger, http.Request.Path.Value ?? string.Empty, httpStatus, reason);
        http.Response.StatusCode = httpStatus;
    }
}

internal sealed class UnaryMethodHandler<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
    : ServerMethodHandler(method.FullName, MethodType.Unary)
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    /// <summary>
    /// The whole unary call in one state machine (the base class's flow with the request read
    /// inlined): when the request has to be waited for, this is the call's one async allocation.
    /// </summary>
    public override async Task HandleAsync(HttpContext http, GrpcServerRuntime runtime)
    {
        if (!ValidateRequest(http, runtime))
        {
            return;
        }

        var call = new HttpServerCallContext(http, runtime, Path);
        try
        {
            if (call.Start(streamingRequest: false))
            {
                var reader = call.RequestReader;
                var token = call.ReadToken;
                var parser = method.RequestParser;
                TRequest? request = null;
                while (true)
                {
                    var result = await reader.ReadAsync(token).ConfigureAwait(false);
                    if (call.TryTakeSingleMessage(result, parser, ref request))
                    {
                        break;
                    }
                }

                var response = await handler(request!, call).ConfigureAwait(false);
                call.FinishWithResponse(response);
            }
        }
        catch (Exception ex)
        {
            call.FinishWithException(ex);
        }
        finally
        {
            await call.EndAsync().ConfigureAwait(false);
        }
    }

    protected override async Task RunAsync(HttpServerCallContext call)
    {
        var request = await call.ReadSingleMessageAsync(method.RequestParser).ConfigureAwait(false);
        var response = await handler(request, call).ConfigureAwait(false);
        call.FinishWithResponse(response);
    }
}

internal sealed class ServerStreamingMethodHandler<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
    : ServerMethodHandler(method.FullName, MethodType.ServerStreaming)
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    protected override async Task RunAsync(HttpServerCallContext call)
    {
        var request = await call.ReadSingleMessageAsync(method.RequestParser).ConfigureAwait(false);
        await handler(request, new HttpServerStreamWriter<TResponse>(call), call).ConfigureAwait(false);
        call.Finish(call.Status);
    }
}

internal sealed class ClientStreamingMethodHandler<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler)
    : ServerMethodHandler(method.FullName, MethodType.ClientStreaming)
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    protected override async Task RunAsync(HttpServerCallContext call)
    {
        var response = await handler(new HttpServerStreamReader<TRequest>(call, method.RequestParser), call).ConfigureAwait(false);
        call.FinishWithResponse(response);
    }
}

internal sealed class DuplexStreamingMethodHandler<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
    : ServerMethodHandler(method.FullName, MethodType.DuplexStreaming)
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    protected override async Task RunAsync(HttpServerCallContext call)
    {
        await handler(new HttpServerStreamReader<TRequest>(call, method.RequestParser), new HttpServerStreamWriter<TResponse>(call), call).ConfigureAwait(false);
        call.Finish(call.Status);
    }
}

internal sealed class HttpServerStreamWriter<T>(HttpServerCallContext call) : IServerStreamWriter<T>
    where T : class, IMessage<T>
{
    public Task WriteAsync(T message, CancellationToken cancellationToken = default) => call.WriteStreamMessageAsync(message, cancellationToken);
}

internal sealed class HttpServerStreamReader<T>(HttpServerCallContext call, MessageParser<T> parser) : IAsyncStreamReader<T>
    where T : class, IMessage<T>
{
    private T? _current;
    private bool _ended;

    public T Current => _current ?? throw new InvalidOperationException("No current message: call MoveNext first.");

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_ended)
        {
            return false;
        }

        _current = await call.ReadMessageAsync(parser).ConfigureAwait(false);
        _ended = _current is null;
        return !_ended;
    }
}
