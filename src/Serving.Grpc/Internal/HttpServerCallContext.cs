using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;

namespace Serving.Grpc.Internal;

/// <summary>
/// One server call on top of an <see cref="HttpContext"/>: request framing, response framing,
/// deadline, status. Created per call by <see cref="ServerMethodHandler"/>.
/// </summary>
/// <remarks>
/// Response ownership: the handler's writes and the deadline timer both want to touch the response.
/// <c>_state</c> (guarded by the lock on this object: private to the call, so nobody else takes it,
/// and one allocation fewer per call than a separate lock object) decides who owns it. A write marks <c>_writing</c>; a
/// deadline that fires during a write is deferred to the end of that write. Whoever moves
/// <c>_state</c> to <see cref="CallState.Finished"/> first writes the status; everyone else backs off.
/// The deadline path completes the HTTP response itself, so the client gets DEADLINE_EXCEEDED at
/// once even if the handler ignores its cancellation token.
/// </remarks>
internal sealed class HttpServerCallContext : ServerCallContext
{
    /// <summary>Timers longer than this are not armed (TimeProvider timers cap near 49 days).</summary>
    private static readonly TimeSpan MaxTimerDueTime = TimeSpan.FromDays(40);

    private readonly HttpContext _http;
    private readonly GrpcServerRuntime _runtime;
    private readonly string _method;
    private DateTime _deadline = DateTime.MaxValue;
    private CancellationTokenSource? _deadlineCts;
    private ITimer? _timer;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private Status _status = Status.DefaultSuccess;
    private string? _requestEncoding;
    private bool _requestEnded;

    // Guarded by lock (this).
    private CallState _state;
    private bool _writing;
    private bool _deadlineExceeded;
    private bool _deadlinePending;
    private bool _responseStarted;
    private Task? _deadlineCompletion;

    public HttpServerCallContext(HttpContext http, GrpcServerRuntime runtime, string method)
    {
        _http = http;
        _runtime = runtime;
        _method = method;
    }

    private enum CallState
    {
        Running,
        Finished,
    }

    public override string Method => _method;

    public override string Host => _http.Request.Host.Value ?? string.Empty;

    public override string Peer => FormatPeer(_http.Connection.RemoteIpAddress, _http.Connection.RemotePort);

    public override DateTime Deadline => _deadline;

    public override Metadata RequestHeaders => _requestHeaders ??= MetadataCodec.FromHeaders(_http.Request.Headers);

    public override CancellationToken CancellationToken => _deadlineCts?.Token ?? _http.RequestAborted;

    public override Metadata ResponseTrailers => _responseTrailers ??= new Metadata();

    public override Status Status
    {
        get => _status;
        set => _status = value;
    }

    public HttpContext HttpContext => _http;

    public GrpcServerOptions Options => _runtime.Options;

    /// <summary>
    /// Prepares the call: response headers, body size limits, deadline. Returns false (with the
    /// status already written) when the request cannot be served.
    /// </summary>
    public bool Start(bool streamingRequest)
    {
        var requestHeaders = _http.Request.Headers;
        var responseHeaders = _http.Response.Headers;
        responseHeaders.ContentType = GrpcProtocol.ContentTypeValue;

        // The typed properties are Kestrel's known-header fields: no lookup by name.
        var encoding = requestHeaders.GrpcEncoding;
        _requestEncoding = encoding;

        // grpc-accept-encoding is optional in responses; it only helps a client that compresses
        // or negotiates (it sent grpc-encoding or grpc-accept-encoding), so only those get it.
        // Kestrel has no field for it in responses, so setting it costs a dictionary per call.
        if (encoding.Count > 0 || requestHeaders.GrpcAcceptEncoding.Count > 0)
        {
            responseHeaders[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.AcceptedEncodingsValue;
        }

        // gRPC bounds messages itself; Kestrel's whole-body cap (30 MB) would break a 32 MiB message
        // or a long stream, and its minimum data rate would kill streams that are idle on purpose.
        var maxBody = _http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (maxBody is { IsReadOnly: false })
        {
            maxBody.MaxRequestBodySize = null;
        }

        if (streamingRequest && _http.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } minRate)
        {
            minRate.MinDataRate = null;
        }

        var timeoutHeader = requestHeaders.GrpcTimeout;
        if (timeoutHeader.Count > 0)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader[0], out var timeout))
            {
                Finish(new Status(StatusCode.Internal, $"Invalid grpc-timeout header '{timeoutHeader[0]}'."));
                return false;
            }

            StartDeadline(timeout);
        }

        return true;
    }

    private void StartDeadline(TimeSpan timeout)
    {
        var time = _runtime.Options.TimeProvider;
        var now = time.GetUtcNow().UtcDateTime;
        _deadline = timeout >= DateTime.MaxValue - now ? DateTime.MaxValue : now + timeout;
        if (timeout > MaxTimerDueTime)
        {
            return;
        }

        _deadlineCts = CancellationTokenSource.CreateLinkedTokenSource(_http.RequestAborted);
        _timer = time.CreateTimer(static state => ((HttpServerCallContext)state!).OnDeadline(), this, timeout, Timeout.InfiniteTimeSpan);
    }

    private void OnDeadline()
    {
        bool complete;
        lock (this)
        {
            _deadlineExceeded = true;
            if (_state == CallState.Finished)
            {
                return;
            }

            complete = !_writing;
            if (complete)
            {
                _state = CallState.Finished;
            }
            else
            {
                _deadlinePending = true;
            }
        }

        ServerLog.DeadlineExceeded(_runtime.Logger, _method);
        if (complete)
        {
            StartDeadlineCompletion();
        }

        try
        {
            _deadlineCts!.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call ended between the timer firing and here; nothing left to cancel.
        }
    }

    /// <summary>Caller moved <c>_state</c> to Finished: the response is ours to complete.</summary>
    private void StartDeadlineCompletion()
    {
        var task = CompleteWithDeadlineAsync();
        lock (this)
        {
            _deadlineCompletion = task;
        }
    }

    private async Task CompleteWithDeadlineAsync()
    {
        try
        {
            WriteStatus(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"));
            await _http.Response.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or OperationCanceledException)
        {
            // The client went away at the same moment; there is nobody left to tell.
        }
    }

    /// <summary>Reads the next request message, or null at the end of the request stream.</summary>
    public async ValueTask<T?> ReadMessageAsync<T>(MessageParser<T> parser)
        where T : class, IMessage<T>
    {
        if (_requestEnded)
        {
            return null;
        }

        var reader = RequestReader;
        var maxSize = _runtime.Options.MaxReceiveMessageSize;
        var token = ReadToken;
        while (true)
        {
            var result = await reader.ReadAsync(token).ConfigureAwait(false);
            var buffer = result.Buffer;
            bool found;
            bool compressed;
            System.Buffers.ReadOnlySequence<byte> payload;
            try
            {
                found = Framing.TryReadFrame(ref buffer, maxSize, out compressed, out payload);
            }
            catch
            {
                reader.AdvanceTo(result.Buffer.Start);
                throw;
            }

            if (found)
            {
                try
                {
                    return Framing.Parse(parser, payload, compressed, _requestEncoding, maxSize);
                }
                finally
                {
                    // END_STREAM usually arrives with the last message: remember it so the next
                    // read (the unary "no second message" check) needs no round trip to the pipe.
                    _requestEnded = result.IsCompleted && buffer.IsEmpty;
                    reader.AdvanceTo(buffer.Start);
                }
            }

            if (result.IsCompleted || result.IsCanceled)
            {
                var leftover = buffer.Length;
                reader.AdvanceTo(buffer.End);
                if (leftover == 0 && result.IsCompleted)
                {
                    return null;
                }

                throw new RpcException(new Status(StatusCode.Internal, "Incomplete message at the end of the request stream."));
            }

            // Not enough yet: mark all examined (Kestrel counts examined bytes for HTTP/2 flow
            // control, so a large message keeps flowing) and wait for more.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>The request body: unary handlers read it themselves through <see cref="TryTakeSingleMessage"/>.</summary>
    public System.IO.Pipelines.PipeReader RequestReader => _http.Request.BodyReader;

    /// <summary>
    /// The token for request reads: Kestrel already fails reads when the client goes away, so only a
    /// deadline needs one (registering one per read costs on the hot path).
    /// </summary>
    public CancellationToken ReadToken => _deadlineCts?.Token ?? default;

    /// <summary>Reads the one request message of a unary or server-streaming call.</summary>
    public async ValueTask<T> ReadSingleMessageAsync<T>(MessageParser<T> parser)
        where T : class, IMessage<T>
    {
        var reader = RequestReader;
        var token = ReadToken;
        T? message = null;
        while (true)
        {
            var result = await reader.ReadAsync(token).ConfigureAwait(false);
            if (TryTakeSingleMessage(result, parser, ref message))
            {
                return message!;
            }
        }
    }

    /// <summary>
    /// Consumes what one read of <see cref="RequestReader"/> returned, for a single-request method:
    /// true once the message and the end of the request stream (END_STREAM) are both in;
    /// false when more must be read (pass the same <paramref name="message"/> back in).
    /// Throws INTERNAL for a second message or a stream that ends without a whole message.
    /// </summary>
    /// <remarks>
    /// Synchronous on purpose: the caller keeps the one state machine that awaits the pipe, so a
    /// unary call allocates one async box, not one per nested read.
    /// </remarks>
    public bool TryTakeSingleMessage<T>(System.IO.Pipelines.ReadResult result, MessageParser<T> parser, ref T? message)
        where T : class, IMessage<T>
    {
        var reader = _http.Request.BodyReader;
        var buffer = result.Buffer;
        try
        {
            if (message is null)
            {
                var maxSize = _runtime.Options.MaxReceiveMessageSize;
                if (Framing.TryReadFrame(ref buffer, maxSize, out var compressed, out var payload))
                {
                    message = Framing.Parse(parser, payload, compressed, _requestEncoding, maxSize);
                }
                else if (result.IsCompleted || result.IsCanceled)
                {
                    throw new RpcException(new Status(
                        StatusCode.Internal,
                        buffer.IsEmpty && result.IsCompleted ? "Request stream ended without a message." : "Incomplete message at the end of the request stream."));
                }
            }

            if (message is not null && !buffer.IsEmpty)
            {
                // The client sends END_STREAM with the message; a second message is a protocol violation.
                throw new RpcException(new Status(StatusCode.Internal, "More than one request message for a single-request method."));
            }
        }
        catch
        {
            reader.AdvanceTo(result.Buffer.End);
            throw;
        }

        if (message is not null && result.IsCompleted)
        {
            _requestEnded = true;
            reader.AdvanceTo(buffer.End);
            return true;
        }

        // Not enough yet, or the message without END_STREAM: mark all examined (Kestrel counts
        // examined bytes for HTTP/2 flow control, so a large message keeps flowing) and wait.
        reader.AdvanceTo(buffer.Start, buffer.End);
        return false;
    }

    /// <summary>Writes a streamed response message and flushes it (handler-initiated).</summary>
    public async Task WriteStreamMessageAsync<T>(T message, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(message);
        BeginWrite();
        try
        {
            WriteMessageCore(message);
            var flush = await _http.Response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flush.IsCanceled || _http.RequestAborted.IsCancellationRequested)
            {
                throw new OperationCanceledException("The client went away.", CancellationToken);
            }
        }
        finally
        {
            EndWrite();
        }
    }

    public override async Task WriteResponseHeadersAsync(Metadata responseHeaders)
    {
        ArgumentNullException.ThrowIfNull(responseHeaders);
        BeginWrite();
        try
        {
            if (_responseStarted || _http.Response.HasStarted)
            {
                throw new InvalidOperationException("Response headers can only be sent once, before the first message.");
            }

            MetadataCodec.AddTo(responseHeaders, _http.Response.Headers);
            _responseStarted = true;
            await _http.Response.StartAsync(CancellationToken).ConfigureAwait(false);

            // StartAsync only queues the HEADERS frame; the flush sends it, so a client waiting for
            // the headers gets them now, not with the first message.
            await _http.Response.BodyWriter.FlushAsync(CancellationToken).ConfigureAwait(false);
        }
        finally
        {
            EndWrite();
        }
    }

    private void BeginWrite()
    {
        lock (this)
        {
            if (_state == CallState.Finished)
            {
                throw _deadlineExceeded
                    ? new OperationCanceledException("The call's deadline was exceeded.", CancellationToken)
                    : new InvalidOperationException("The call is complete; no more writes are possible.");
            }

            if (_writing)
            {
                throw new InvalidOperationException("A write is already in progress; await each write before the next.");
            }

            _writing = true;
        }
    }

    private void EndWrite()
    {
        bool completeDeadline;
        lock (this)
        {
            _writing = false;
            completeDeadline = _deadlinePending;
            if (completeDeadline)
            {
                _deadlinePending = false;
                _state = CallState.Finished;
            }
        }

        if (completeDeadline)
        {
            StartDeadlineCompletion();
        }
    }

    private void WriteMessageCore<T>(T message)
        where T : class, IMessage<T>
    {
        var size = message.CalculateSize();
        if (size > _runtime.Options.MaxSendMessageSize)
        {
            throw Framing.SendTooLarge();
        }

        _responseStarted = true;
        Framing.WriteMessage(_http.Response.BodyWriter, message, size);
    }

    /// <summary>
    /// Ends a unary or client-streaming call with its response message and OK (or the status the
    /// handler set). The message is not flushed: Kestrel sends it with the trailers in one go.
    /// </summary>
    public void FinishWithResponse<T>(T response)
        where T : class, IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(response);
        if (!TryBeginFinish())
        {
            return;
        }

        try
        {
            WriteMessageCore(response);
        }
        catch (RpcException ex)
        {
            WriteStatus(ex.Status, ex.Trailers);
            return;
        }

        WriteStatus(_status);
    }

    /// <summary>Ends the call with <paramref name="status"/> unless the deadline already ended it.</summary>
    public void Finish(Status status, Metadata? trailers = null)
    {
        if (TryBeginFinish())
        {
            WriteStatus(status, trailers);
        }
    }

    /// <summary>Ends the call for an exception from the handler or from our own framing.</summary>
    public void FinishWithException(Exception exception)
    {
        bool deadline;
        lock (this)
        {
            deadline = _deadlineExceeded;
        }

        if (_http.RequestAborted.IsCancellationRequested && !deadline)
        {
            // The client cancelled or disconnected: nobody is listening for a status.
            ServerLog.ClientGone(_runtime.Logger, _method);
            Finish(Status.DefaultCancelled);
            return;
        }

        switch (exception)
        {
            case RpcException rpc:
                ServerLog.CallFailed(_runtime.Logger, _method, rpc.StatusCode, rpc.Status.Detail);
                Finish(rpc.Status, rpc.Trailers);
                break;
            case OperationCanceledException when deadline:
                Finish(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"));
                break;
            default:
                var status = new Status(
                    StatusCode.Unknown,
                    _runtime.Options.EnableDetailedErrors
                        ? $"Exception was thrown by handler. {exception.GetType().Name}: {exception.Message}"
                        : "Exception was thrown by handler.");
                ServerLog.HandlerFailed(_runtime.Logger, _method, status.StatusCode, exception);
                Finish(status);
                break;
        }
    }

    private bool TryBeginFinish()
    {
        lock (this)
        {
            if (_state == CallState.Finished)
            {
                return false;
            }

            _state = CallState.Finished;
            return true;
        }
    }

    /// <summary>
    /// Writes status and trailers: into the trailers when the response has started, otherwise into
    /// the headers, which makes a trailers-only response (one HEADERS frame with END_STREAM).
    /// </summary>
    private void WriteStatus(Status status, Metadata? extraTrailers = null)
    {
        var response = _http.Response;
        var trailersOnly = !_responseStarted && !response.HasStarted;
        if (trailersOnly)
        {
            var headers = response.Headers;
            headers[GrpcProtocol.StatusHeader] = GrpcProtocol.StatusValue(status.StatusCode);
            if (!string.IsNullOrEmpty(status.Detail))
            {
                headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(status.Detail);
            }

            AddTrailers(headers, _responseTrailers);
            AddTrailers(headers, extraTrailers);
            return;
        }

        // One feature lookup; the typed GrpcStatus/GrpcMessage properties are Kestrel's known-trailer
        // fields. The status is written once (the call state guarantees it), so set, not append.
        var trailers = _http.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        if (trailers is null || trailers.IsReadOnly)
        {
            // Only HTTP/2 (and HTTP/3) carry trailers; without them the status cannot be delivered,
            // so make the failure visible to the client as a reset stream.
            _http.Abort();
            return;
        }

        trailers.GrpcStatus = GrpcProtocol.StatusValue(status.StatusCode);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            trailers.GrpcMessage = PercentEncoding.Encode(status.Detail);
        }

        AddTrailers(trailers, _responseTrailers);
        AddTrailers(trailers, extraTrailers);
    }

    private static void AddTrailers(IHeaderDictionary target, Metadata? trailers)
    {
        if (trailers is { Count: > 0 })
        {
            MetadataCodec.AddTo(trailers, target);
        }
    }

    /// <summary>
    /// Waits for a deadline completion in flight (so the request delegate does not return while it
    /// is still writing) and releases the timer and token source.
    /// </summary>
    public async ValueTask EndAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        Task? completion;
        lock (this)
        {
            completion = _deadlineCompletion;

            // From here on a late timer callback finds the call finished and does nothing.
            _state = CallState.Finished;
        }

        if (completion is not null)
        {
            await completion.ConfigureAwait(false);
        }

        _deadlineCts?.Dispose();
    }

    private static string FormatPeer(IPAddress? address, int port)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6
            ? $"ipv6:[{address}]:{port}"
            : $"ipv4:{address}:{port}";
    }
}
