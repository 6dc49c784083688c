using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Serving.Grpc.Internal;

/// <summary>
/// One client call over an HTTP/2 request: sends headers and framed requests, reads framed
/// responses, and turns trailers (or headers, for trailers-only responses), HTTP errors, resets,
/// deadlines and cancellation into a <see cref="Status"/>.
/// </summary>
/// <remarks>
/// Cancellation: <c>_cts</c> cancels the HTTP request (which resets the stream). Whoever cancels it
/// first records why in <c>_cancelReason</c> (deadline timer, caller's token, Dispose, or a local
/// failure), so the exception the caller sees names the real cause, not "operation canceled".
/// The status is set once under the lock on this object (private to the call; no separate lock
/// object to allocate per call); the first writer wins.
/// </remarks>
internal sealed class GrpcCall<TRequest, TResponse> : IClientCall
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private const int ReasonNone = 0;
    private const int ReasonCancelled = 1;
    private const int ReasonDeadline = 2;
    private const int ReasonFailed = 3;
    private const int ReasonCompleted = 4;

    private static readonly TimeSpan MaxTimerDueTime = TimeSpan.FromDays(40);
    private static readonly object HeadersKnown = new();
    private static readonly string UserAgent = "serving-grpc-dotnet/" + typeof(GrpcCall<,>).Assembly.GetName().Version?.ToString(3);

    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource _cts;
    // Unary calls take their cancellation source from a pool and give it back when they complete cleanly.
    private readonly bool _unary;
    private ITimer? _deadlineTimer;
    private CancellationTokenRegistration _userRegistration;
    private TimeSpan? _timeout;
    private int _cancelReason;
    private Task<HttpResponseMessage>? _responseTask;
    private Task<Metadata>? _headersTask;

    // Unary calls only: null, a TaskCompletionSource someone waits on for the response headers, or
    // HeadersKnown once the response (or the failure) is in.
    private object? _headersSignal;
    private bool _headersFailed;
    private HttpResponseMessage? _response;
    private FrameReader? _reader;
    private string? _responseEncoding;
    private StreamingRequestContent? _requestContent;
    private Status? _status;
    private Metadata? _trailers;
    private HttpHeaders? _trailerSource;

    // unary: true for a call that will be started with StartUnary (and nothing else).
    public GrpcCall(GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options, bool unary = false)
    {
        ArgumentNullException.ThrowIfNull(method);
        _channel = channel;
        _method = method;
        _options = options;

        // Single-response calls have a clear end (see ReadSingleResponseAsync), after which nobody
        // can cancel the source any more: those borrow a pooled one. A fresh source per call would
        // also mean fresh registration nodes for every token registration SocketsHttpHandler makes.
        _unary = unary;
        _cts = unary ? CancellationSourcePool.Rent() : new CancellationTokenSource();
    }

    public IAsyncStreamReader<TResponse> ResponseStream => new ResponseStreamReader(this);

    public IClientStreamWriter<TRequest> RequestStream => new RequestStreamWriter(this);

    public Task<Metadata> ResponseHeadersAsync => _headersTask ??= _unary ? GetUnaryHeadersAsync() : GetHeadersAsync();

    public Task<TResponse> StartUnary(TRequest request)
    {
        HttpContent? content;
        try
        {
            content = TryStart() ? TryCreateUnaryContent(request) : null;
        }
        catch (Exception ex)
        {
            SignalHeaders();
            return Task.FromException<TResponse>(ex);
        }

        if (content is null)
        {
            SignalHeaders();
            return Task.FromException<TResponse>(CompletedException());
        }

        return UnaryAsync(content);
    }

    /// <summary>
    /// The whole unary exchange in one state machine (one allocation when it has to wait, instead
    /// of one per nested step): the request, the response headers, the message, the end of the
    /// stream, the trailers. Same outcomes as <see cref="SendAsync"/> then <see cref="ReadSingleResponseAsync"/>.
    /// </summary>
    private async Task<TResponse> UnaryAsync(HttpContent content)
    {
        HttpResponseMessage response;
        try
        {
            response = await _channel.Invoker.SendAsync(CreateRequest(content), _cts.Token).ConfigureAwait(false);
            AcceptResponse(response);
        }
        catch (Exception ex)
        {
            _headersFailed = true;
            throw Fail(ex);
        }
        finally
        {
            (content as BufferedMessageContent)?.ReturnBuffer();
            SignalHeaders();
        }

        TResponse? message = null;
        Status final;
        if (_status is { } early)
        {
            // Trailers-only response or HTTP error, already turned into the status.
            final = early;
        }
        else
        {
            try
            {
                var token = _cts.Token;

                // The HTTP/2 response stream exists once the headers are in: no need for the async form.
                _reader = new FrameReader(response.Content.ReadAsStream(token));
                var parser = _method.ResponseParser;
                var maxSize = _channel.Options.MaxReceiveMessageSize;
                message = await _reader.ReadMessageAsync(parser, maxSize, _responseEncoding, token).ConfigureAwait(false);
                if (message is not null && await _reader.ReadMessageAsync(parser, maxSize, _responseEncoding, token).ConfigureAwait(false) is not null)
                {
                    throw new RpcException(new Status(StatusCode.Internal, "More than one response message for a single-response method."));
                }
            }
            catch (Exception ex)
            {
                ReleaseReader();
                throw Fail(ex);
            }

            // End of stream: the trailers carry the status. Their metadata is built only if asked for.
            ReleaseReader();
            var trailers = response.TrailingHeaders;
            final = ReadStatus(trailers) ?? new Status(StatusCode.Internal, "No grpc-status found on response.");
            SetStatus(final, null, trailers);
            Cleanup();
        }

        if (final.StatusCode != StatusCode.OK)
        {
            throw CompletedException();
        }

        if (message is null)
        {
            // An OK status without a message breaks the single-response contract.
            throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize response message: the server sent none."), Trailers);
        }

        // Completed cleanly (Cleanup won the race against every canceller, and the response is
        // disposed): nothing can cancel the source from here on, so it can serve another call.
        if (_unary && Volatile.Read(ref _cancelReason) == ReasonCompleted)
        {
            CancellationSourcePool.Return(_cts);
        }

        return message;
    }

    public void StartServerStreaming(TRequest request)
    {
        if (TryStart())
        {
            if (TryCreateUnaryContent(request) is { } content)
            {
                _responseTask = SendAsync(content);
            }
        }
    }

    public Task<TResponse> StartClientStreaming()
    {
        StartStreamingRequest();
        return ReadSingleResponseAsync();
    }

    public void StartDuplexStreaming() => StartStreamingRequest();

    private void StartStreamingRequest()
    {
        _requestContent = new StreamingRequestContent();
        if (TryStart())
        {
            _responseTask = SendAsync(_requestContent);
        }
        else
        {
            _requestContent.Abort(new RpcException(_status!.Value));
        }
    }

    /// <summary>Arms the deadline and the caller's token; false (status set) when the deadline already passed.</summary>
    private bool TryStart()
    {
        if (_options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            var utc = deadline.Kind == DateTimeKind.Local ? deadline.ToUniversalTime() : deadline;
            var time = _channel.Options.TimeProvider;
            var timeout = utc - time.GetUtcNow().UtcDateTime;
            if (timeout <= TimeSpan.Zero)
            {
                // No point asking the server: the budget is already spent.
                _cancelReason = ReasonDeadline;
                SetStatus(DeadlineStatus(), Metadata.Empty);
                return false;
            }

            _timeout = timeout;
            if (timeout <= MaxTimerDueTime)
            {
                _deadlineTimer = time.CreateTimer(static s => ((GrpcCall<TRequest, TResponse>)s!).Cancel(ReasonDeadline), this, timeout, Timeout.InfiniteTimeSpan);
            }
        }

        var token = _options.CancellationToken;
        if (token.CanBeCanceled)
        {
            _userRegistration = token.UnsafeRegister(static s => ((GrpcCall<TRequest, TResponse>)s!).Cancel(ReasonCancelled), this);
        }

        return true;
    }

    private HttpContent? TryCreateUnaryContent(TRequest request)
    {
        var size = request.CalculateSize();
        if (size > _channel.Options.MaxSendMessageSize)
        {
            _cancelReason = ReasonFailed;
            SetStatus(Framing.SendTooLarge().Status, Metadata.Empty);
            Cleanup();
            return null;
        }

        return GrpcProtocol.HeaderSize + size <= BufferedMessageContent.MaxFrameLength
            ? BufferedMessageContent.Create(request, size)
            : new UnaryRequestContent<TRequest>(request, size);
    }

    private void Cancel(int reason)
    {
        if (Interlocked.CompareExchange(ref _cancelReason, reason, ReasonNone) == ReasonNone)
        {
            _cts.Cancel();
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpContent content)
    {
        var request = CreateRequest(content);
        HttpResponseMessage response;
        try
        {
            response = await _channel.Invoker.SendAsync(request, _cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            throw Fail(ex);
        }
        finally
        {
            (content as BufferedMessageContent)?.ReturnBuffer();
        }

        try
        {
            AcceptResponse(response);
        }
        catch (RpcException ex)
        {
            throw Fail(ex);
        }

        return response;
    }

    private HttpRequestMessage CreateRequest(HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _channel.GetUri(_method.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };

        var headers = request.Headers;
        headers.TryAddWithoutValidation(GrpcProtocol.TeHeader, "trailers");
        headers.TryAddWithoutValidation("User-Agent", UserAgent);
        if (_timeout is { } timeout)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(timeout));
        }

        if (_options.Headers is { Count: > 0 } metadata)
        {
            MetadataCodec.AddTo(metadata, headers);
        }

        return request;
    }

    /// <summary>
    /// Takes the response headers: an HTTP error or a trailers-only response sets the status (the
    /// call is then over); a gRPC response with a body leaves it to the reads. Throws RpcException
    /// for a response that is not gRPC.
    /// </summary>
    private void AcceptResponse(HttpResponseMessage response)
    {
        _response = response;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var status = ReadStatus(response.Headers)
                ?? new Status(StatusMapping.FromHttpStatus(response.StatusCode), $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}");
            SetStatus(status, MetadataCodec.FromHeaders(response.Headers));
            Cleanup();
            return;
        }

        if (ReadStatus(response.Headers) is { } trailersOnlyStatus)
        {
            // Trailers-only response: the status arrived in the headers and there is no body.
            SetStatus(trailersOnlyStatus, MetadataCodec.FromHeaders(response.Headers));
            Cleanup();
            return;
        }

        var contentType = response.Content.Headers.NonValidated.TryGetValues("Content-Type", out var values) ? values.ToString() : null;
        if (!GrpcProtocol.IsAnyGrpcContentType(contentType))
        {
            throw new RpcException(new Status(StatusCode.Unknown, $"Bad gRPC response. Invalid content-type value: {contentType}"));
        }

        if (response.Headers.NonValidated.TryGetValues(GrpcProtocol.EncodingHeader, out var encoding))
        {
            _responseEncoding = encoding.ToString();
        }
    }

    /// <summary>Unary calls: marks the response headers known (or the call failed before them) and wakes a waiter.</summary>
    private void SignalHeaders()
    {
        if (Interlocked.Exchange(ref _headersSignal, HeadersKnown) is TaskCompletionSource waiter)
        {
            waiter.TrySetResult();
        }
    }

    private async Task<Metadata> GetUnaryHeadersAsync()
    {
        if (Volatile.Read(ref _headersSignal) != HeadersKnown)
        {
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var prior = Interlocked.CompareExchange(ref _headersSignal, waiter, null);
            if (prior != HeadersKnown)
            {
                await (prior as TaskCompletionSource ?? waiter).Task.ConfigureAwait(false);
            }
        }

        // A call that failed before any response (unreachable server, deadline, bad content type)
        // has no headers to give: its status is the answer, as for the other call types.
        return _response is { } response && !_headersFailed
            ? MetadataCodec.FromHeaders(response.Headers)
            : throw CompletedException();
    }

    private async Task<Metadata> GetHeadersAsync()
    {
        if (_responseTask is null)
        {
            throw new RpcException(_status!.Value);
        }

        var response = await _responseTask.ConfigureAwait(false);
        return MetadataCodec.FromHeaders(response.Headers);
    }

    private async Task<TResponse> ReadSingleResponseAsync()
    {
        var message = await ReadNextAsync(CancellationToken.None).ConfigureAwait(false);
        if (message is null)
        {
            // An OK status without a message breaks the single-response contract.
            throw new RpcException(new Status(StatusCode.Internal, "Failed to deserialize response message: the server sent none."), Trailers);
        }

        if (_status is null)
        {
            // Read on to the end so the trailers (and the status) are known before returning.
            if (await ReadNextAsync(CancellationToken.None).ConfigureAwait(false) is not null)
            {
                throw Fail(new RpcException(new Status(StatusCode.Internal, "More than one response message for a single-response method.")));
            }
        }

        return message;
    }

    /// <summary>The next response message; null at the end of an OK call; throws RpcException otherwise.</summary>
    private async ValueTask<TResponse?> ReadNextAsync(CancellationToken cancellationToken)
    {
        if (_responseTask is null)
        {
            throw CompletedException();
        }

        var response = await _responseTask.ConfigureAwait(false);
        if (_status is not null)
        {
            return _status.Value.StatusCode == StatusCode.OK ? null : throw CompletedException();
        }

        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((GrpcCall<TRequest, TResponse>)s!).Cancel(ReasonCancelled), this)
            : default;
        try
        {
            if (_reader is null)
            {
                _reader = new FrameReader(response.Content.ReadAsStream(_cts.Token));
            }

            var message = await _reader.ReadMessageAsync(_method.ResponseParser, _channel.Options.MaxReceiveMessageSize, _responseEncoding, _cts.Token).ConfigureAwait(false);
            if (message is not null)
            {
                return message;
            }
        }
        catch (Exception ex)
        {
            ReleaseReader();
            throw Fail(ex);
        }

        // End of stream: the trailers carry the status. Their metadata is built only if asked for.
        ReleaseReader();
        var trailers = response.TrailingHeaders;
        var status = ReadStatus(trailers) ?? new Status(StatusCode.Internal, "No grpc-status found on response.");
        SetStatus(status, null, trailers);
        Cleanup();
        return status.StatusCode == StatusCode.OK ? null : throw CompletedException();
    }

    private async Task WriteAsync(TRequest message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_status is not null)
        {
            throw CompletedException();
        }

        var size = message.CalculateSize();
        if (size > _channel.Options.MaxSendMessageSize)
        {
            throw Fail(Framing.SendTooLarge());
        }

        Stream stream;
        try
        {
            stream = await _requestContent!.GetStreamAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (_status is not null)
        {
            throw CompletedException();
        }

        var length = GrpcProtocol.HeaderSize + size;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Framing.WriteHeader(buffer, compressed: false, size);
            message.WriteTo(buffer.AsSpan(GrpcProtocol.HeaderSize, size));
            await stream.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);

            // Flush so each message leaves now: streaming peers react per message.
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw await WriteFailureAsync(ex).ConfigureAwait(false);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// A failed write usually means the server ended the call (e.g. RESOURCE_EXHAUSTED for a
    /// message it refused) and reset our request stream. The server's status is the useful answer,
    /// so wait for the response headers (which carry a trailers-only status) before falling back
    /// to a local error.
    /// </summary>
    private async Task<RpcException> WriteFailureAsync(Exception exception)
    {
        if (_status is null && _responseTask is not null && Volatile.Read(ref _cancelReason) == ReasonNone)
        {
            try
            {
                await _responseTask.ConfigureAwait(false);
            }
            catch (RpcException)
            {
                // The response failed too; its status (set by Fail) is used below.
            }
        }

        return _status is not null ? CompletedException() : Fail(exception);
    }

    private static readonly Status CancelledStatus = new(StatusCode.Cancelled, "Call canceled by the client.");

    private static Status DeadlineStatus() => new(StatusCode.DeadlineExceeded, "Deadline Exceeded");

    /// <summary>Records the status for a local failure (or our own cancellation), stops the HTTP request, and returns the exception to throw.</summary>
    private RpcException Fail(Exception exception)
    {
        Cancel(ReasonFailed);
        var reason = Volatile.Read(ref _cancelReason);
        Status status;
        if (reason == ReasonDeadline)
        {
            status = DeadlineStatus();
        }
        else if (reason == ReasonCancelled)
        {
            status = CancelledStatus;
        }
        else
        {
            status = exception switch
            {
                RpcException rpc => rpc.Status,
                HttpProtocolException protocol => new Status(StatusMapping.FromHttp2ErrorCode(protocol.ErrorCode), "HTTP/2 stream reset: " + protocol.Message),
                HttpRequestException { InnerException: HttpProtocolException protocol } => new Status(StatusMapping.FromHttp2ErrorCode(protocol.ErrorCode), "HTTP/2 stream reset: " + protocol.Message),
                HttpRequestException http => new Status(StatusCode.Unavailable, "Error starting gRPC call. " + http.Message),
                IOException io => new Status(StatusCode.Unavailable, "Error reading the response. " + io.Message),
                OperationCanceledException => new Status(StatusCode.Cancelled, "Call canceled."),
                _ => new Status(StatusCode.Internal, "Error in the gRPC call. " + exception.GetType().Name + ": " + exception.Message),
            };
        }

        SetStatus(status, Metadata.Empty);
        Cleanup();
        var final = _status!.Value;
        return exception is RpcException same && same.Status == final ? same : new RpcException(final, Trailers, exception);
    }

    private RpcException CompletedException() => new(_status!.Value, Trailers);

    /// <summary>The trailers once the status is known (built lazily from the HTTP trailers: most callers never look).</summary>
    private Metadata Trailers
    {
        get
        {
            lock (this)
            {
                if (_trailers is null && _trailerSource is not null)
                {
                    _trailers = MetadataCodec.FromHeaders(_trailerSource);
                }

                return _trailers ?? Metadata.Empty;
            }
        }
    }

    private void SetStatus(Status status, Metadata? trailers, HttpHeaders? trailerSource = null)
    {
        // Once our deadline or the caller's cancellation fired, any failure that follows is that
        // failure (the server may answer CANCELLED to the reset it just saw, racing our own view).
        if (status.StatusCode != StatusCode.OK)
        {
            var reason = Volatile.Read(ref _cancelReason);
            if (reason == ReasonDeadline)
            {
                status = DeadlineStatus();
            }
            else if (reason == ReasonCancelled)
            {
                status = CancelledStatus;
            }
        }

        lock (this)
        {
            if (_status is null)
            {
                _trailers = trailers;
                _trailerSource = trailerSource;
                _status = status;
            }
        }
    }

    private static Status? ReadStatus(HttpHeaders headers)
    {
        if (!headers.NonValidated.TryGetValues(GrpcProtocol.StatusHeader, out var statusValues))
        {
            return null;
        }

        var text = statusValues.ToString();
        if (!int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
        {
            return new Status(StatusCode.Unknown, $"Unexpected grpc-status value: {text}");
        }

        var message = headers.NonValidated.TryGetValues(GrpcProtocol.MessageHeader, out var messageValues)
            ? PercentEncoding.Decode(messageValues.ToString())
            : string.Empty;
        return new Status((StatusCode)code, message);
    }

    /// <summary>Releases timers and registrations once the status is known; the HTTP exchange is over.</summary>
    private void Cleanup()
    {
        Interlocked.CompareExchange(ref _cancelReason, ReasonCompleted, ReasonNone);
        _deadlineTimer?.Dispose();
        _userRegistration.Dispose();
        _requestContent?.Abort(new RpcException(_status ?? Status.DefaultCancelled));
        _response?.Dispose();
    }

    /// <summary>Returns the read buffer to the pool; only the reading flow calls this, never concurrently with a read.</summary>
    private void ReleaseReader()
    {
        _reader?.Dispose();
        _reader = null;
    }

    public Status GetStatus() => _status ?? throw new InvalidOperationException("Unable to get the status because the call is not complete.");

    public Metadata GetTrailers() => _status is not null
        ? Trailers
        : throw new InvalidOperationException("Unable to get the trailers because the call is not complete.");

    public void Dispose()
    {
        if (_status is null)
        {
            Cancel(ReasonCancelled);
            SetStatus(CancelledStatus, Metadata.Empty);
        }

        _deadlineTimer?.Dispose();
        _userRegistration.Dispose();
        _requestContent?.Abort(new RpcException(_status ?? Status.DefaultCancelled));
    }

    private sealed class ResponseStreamReader(GrpcCall<TRequest, TResponse> call) : IAsyncStreamReader<TResponse>
    {
        private TResponse? _current;

        public TResponse Current => _current ?? throw new InvalidOperationException("No current message: call MoveNext first.");

        public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
        {
            _current = await call.ReadNextAsync(cancellationToken).ConfigureAwait(false);
            return _current is not null;
        }
    }

    private sealed class RequestStreamWriter(GrpcCall<TRequest, TResponse> call) : IClientStreamWriter<TRequest>
    {
        private int _busy;
        private bool _completed;

        public async Task WriteAsync(TRequest message, CancellationToken cancellationToken = default)
        {
            if (_completed)
            {
                throw new InvalidOperationException("The request stream has already been completed.");
            }

            if (Interlocked.Exchange(ref _busy, 1) == 1)
            {
                throw new InvalidOperationException("A write is already in progress; await each write before the next.");
            }

            try
            {
                await call.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Volatile.Write(ref _busy, 0);
            }
        }

        public Task CompleteAsync()
        {
            _completed = true;
            call._requestContent!.Complete();
            return Task.CompletedTask;
        }
    }
}
