using Serving.Protocol;
using Google.Protobuf;
using Serving.Client.Internal;
using Serving.Grpc;
using Serving.Protocol.Inference;
using Serving.Protocol.V1;

namespace Serving.Client;

/// <summary>
/// Client of a Serving router: face verification, embedding and detection, segmentation, raw
/// KServe v2 inference and cluster status. Thread-safe; create one per router endpoint and share
/// it (it holds the pooled HTTP/2 connections).
/// </summary>
/// <remarks>
/// Failed calls throw <see cref="RpcException"/> with the server's status, e.g. RESOURCE_EXHAUSTED
/// "slo_unattainable" when no variant can answer inside the budget, INVALID_ARGUMENT for an image
/// that does not decode, UNAUTHENTICATED without a valid API key. UNAVAILABLE is retried (see
/// <see cref="ServingClientOptions.MaxAttempts"/>) within the call's deadline.
/// </remarks>
public sealed class ServingClient : IDisposable, IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly RetryPolicy _retry;
    private readonly TimeProvider _time;
    private readonly TimeSpan? _defaultDeadline;
    private readonly Metadata _headers;

    /// <summary>Creates a client of the router at <paramref name="endpoint"/>: <c>host:port</c> (h2c) or <c>http(s)://host:port</c>.</summary>
    /// <exception cref="ArgumentException">The endpoint or the options are not usable.</exception>
    public ServingClient(string endpoint, ServingClientOptions? options = null)
    {
        options ??= new ServingClientOptions();
        if (options.MaxAttempts < 1)
        {
            throw new ArgumentException("MaxAttempts must be at least 1.", nameof(options));
        }

        Endpoint = EndpointAddress.Parse(endpoint);
        _time = options.TimeProvider;
        _defaultDeadline = options.DefaultDeadline;
        _channel = GrpcChannel.ForAddress(Endpoint, new GrpcChannelOptions
        {
            HttpHandler = options.HttpHandler,
            TimeProvider = options.TimeProvider,
            MaxReceiveMessageSize = options.MaxReceiveMessageSize,
        });
        _retry = new RetryPolicy(options.MaxAttempts, options.InitialBackoff, options.MaxBackoff, options.Random ?? Random.Shared, _time);
        _headers = new Metadata();
        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            _headers.Add("authorization", "Bearer " + options.ApiKey);
        }
    }

    /// <summary>The router's address.</summary>
    public Uri Endpoint { get; }

    /// <summary>Whether two images show the same person (the most prominent face of each).</summary>
    /// <remarks>The image buffers are sent without a copy: do not change them until the task completes.</remarks>
    public Task<VerifyResponse> VerifyAsync(ReadOnlyMemory<byte> imageA, ReadOnlyMemory<byte> imageB, ServingCallOptions? options = null) =>
        CallAsync(FaceMethods.Verify, new VerifyRequest
        {
            ImageA = UnsafeByteOperations.UnsafeWrap(imageA),
            ImageB = UnsafeByteOperations.UnsafeWrap(imageB),
            Options = ToRequestOptions(options),
        }, options);

    /// <summary>The embedding of the most prominent face of an image.</summary>
    public Task<EmbedResponse> EmbedAsync(ReadOnlyMemory<byte> image, ServingCallOptions? options = null) =>
        CallAsync(FaceMethods.Embed, new EmbedRequest { Image = UnsafeByteOperations.UnsafeWrap(image), Options = ToRequestOptions(options) }, options);

    /// <summary>Every face of an image scoring at least <paramref name="minScore"/> (0 = the variant's default threshold).</summary>
    public Task<DetectResponse> DetectAsync(ReadOnlyMemory<byte> image, ServingCallOptions? options = null, float minScore = 0) =>
        CallAsync(FaceMethods.Detect, new DetectRequest { Image = UnsafeByteOperations.UnsafeWrap(image), MinScore = minScore, Options = ToRequestOptions(options) }, options);

    /// <summary>The foreground (person) mask of an image, as a PNG of the image's size.</summary>
    public Task<SegmentResponse> SegmentAsync(ReadOnlyMemory<byte> image, ServingCallOptions? options = null) =>
        CallAsync(SegmentationMethods.Segment, new SegmentRequest { Image = UnsafeByteOperations.UnsafeWrap(image), Options = ToRequestOptions(options) }, options);

    /// <summary>A raw KServe v2 <c>ModelInfer</c> (the router forwards it; model names may be task aliases).</summary>
    /// <remarks>Only <see cref="ServingCallOptions.Deadline"/> and the cancellation token apply: v2 requests carry no SLO options.</remarks>
    public Task<ModelInferResponse> InferAsync(ModelInferRequest request, ServingCallOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        return CallAsync(InferenceMethods.ModelInfer, request, options);
    }

    /// <summary>KServe v2 <c>ModelMetadata</c> of a model or task alias: its inputs and outputs.</summary>
    public Task<ModelMetadataResponse> GetModelMetadataAsync(string model, ServingCallOptions? options = null) =>
        CallAsync(InferenceMethods.ModelMetadata, new ModelMetadataRequest { Name = model }, options);

    /// <summary>The router's catalogue, SLO classes and workers with their load.</summary>
    public Task<ClusterStatus> GetStatusAsync(ServingCallOptions? options = null) =>
        CallAsync(ClusterMethods.GetStatus, new GetStatusRequest(), options);

    /// <summary>Closes the connections.</summary>
    public void Dispose() => _channel.Dispose();

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private Task<TResponse> CallAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, ServingCallOptions? options)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var budget = options?.Deadline ?? _defaultDeadline;
        DateTime? deadline = budget is { } b ? _time.GetUtcNow().UtcDateTime + b : null;
        var invoker = _channel.CallInvoker;
        return _retry.RunAsync(
            async callOptions =>
            {
                using var call = invoker.UnaryAsync(method, request, callOptions);
                return await call.ResponseAsync.ConfigureAwait(false);
            },
            _headers,
            deadline,
            options?.CancellationToken ?? CancellationToken.None);
    }

    private static RequestOptions? ToRequestOptions(ServingCallOptions? options)
    {
        if (options is null)
        {
            return null;
        }

        return new RequestOptions
        {
            SloClass = options.SloClass ?? string.Empty,
            MinQuality = options.MinQuality,
            PinnedVariant = options.PinnedVariant ?? string.Empty,
            BestEffort = options.BestEffort,
        };
    }
}
