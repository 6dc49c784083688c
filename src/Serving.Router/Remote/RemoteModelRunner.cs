using System.Collections.Concurrent;
using Google.Protobuf;
using Serving.Grpc;
using Serving.Models.Pipelines;
using ModelOutput = Serving.Models.Pipelines.ModelOutput;
using Serving.OnnxRuntime;
using Serving.Protocol;
using Serving.Protocol.Inference;
using Serving.Router.Discovery;
using Serving.Router.Resilience;
using Serving.Router.Selection;
using Serving.Router.Workers;

namespace Serving.Router.Remote;

/// <summary>
/// <see cref="IModelRunner"/> whose models run on workers: each call is one KServe v2 ModelInfer
/// (tensors as <c>raw_input_contents</c>) sent through the <see cref="ResilientDispatcher"/> to a
/// worker chosen for that concrete model; the outputs wrap <c>raw_output_contents</c> without a copy.
/// </summary>
/// <remarks>
/// One instance per front-end request: it carries the request's deadline (sent as the gRPC deadline
/// of every worker call) and SLO class. The task-level decision (which variant, whether it fits the
/// budget) was taken before; the component models of the chosen variant (e.g. detector and landmarks
/// of a face variant) are then placed by least predicted completion as best effort, so an admitted
/// request is not rejected half-way. A worker's status is mapped for the caller by <see cref="MapWorkerError"/>.
/// </remarks>
public sealed class RemoteModelRunner : IModelRunner
{
    private static readonly ConcurrentDictionary<string, CatalogSnapshot> SingleModelCatalogs = new(StringComparer.Ordinal);

    private readonly RemoteInferenceContext _context;
    private readonly SloClass _slo;
    private readonly DateTimeOffset _deadline;
    private readonly IReadOnlyDictionary<string, string> _preferredWorkers;
    private readonly ConcurrentDictionary<string, string> _servedBy = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TimeSpan> _longestCall = new(StringComparer.Ordinal);

    internal RemoteModelRunner(RemoteInferenceContext context, SloClass slo, DateTimeOffset deadline, IReadOnlyDictionary<string, string>? preferredWorkers = null)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        _slo = slo ?? throw new ArgumentNullException(nameof(slo));
        _deadline = deadline;
        _preferredWorkers = preferredWorkers ?? new Dictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>The deadline every worker call of this runner carries.</summary>
    internal DateTimeOffset Deadline => _deadline;

    /// <summary>The worker that last answered for each model this runner ran.</summary>
    public IReadOnlyDictionary<string, string> ServedBy => _servedBy;

    /// <summary>Worker calls made (first attempts, retries and hedges) over every model this runner ran.</summary>
    public int Attempts { get; private set; }

    /// <summary>Model runs that were hedged to a second worker.</summary>
    public int Hedges { get; private set; }

    /// <summary>Model runs made (one per <see cref="RunAsync"/> that reached dispatch).</summary>
    public int Runs { get; private set; }

    /// <summary>The longest dispatch (all attempts, receipt of the answer included) of <paramref name="model"/> by this runner; zero when it never ran.</summary>
    public TimeSpan LongestCall(string model)
    {
        lock (_gate)
        {
            return _longestCall.GetValueOrDefault(model);
        }
    }

    /// <summary>Total time spent in worker queues and computing, as the workers reported (microseconds; 0 when not reported).</summary>
    public long QueueMicros { get; private set; }

    /// <inheritdoc cref="QueueMicros"/>
    public long ComputeMicros { get; private set; }

    /// <inheritdoc />
    /// <exception cref="RpcException">The model could not run; the status is the one to answer the caller with.</exception>
    public async Task<ModelOutputs> RunAsync(string model, IReadOnlyList<NamedTensor> inputs, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        ArgumentNullException.ThrowIfNull(inputs);
        var response = await DispatchAsync(model, BuildRequest(model, inputs), ex => MapWorkerError(model, ex), cancellationToken).ConfigureAwait(false);
        return ToOutputs(model, response);
    }

    /// <summary>
    /// Sends a caller's own v2 request for <paramref name="model"/> (KServe forwarding): the worker's
    /// status passes through unchanged, since the caller built the tensors. The request's
    /// <c>model_name</c> is set to <paramref name="model"/>.
    /// </summary>
    /// <exception cref="RpcException">The worker's status, or the router's (UNAVAILABLE, DEADLINE_EXCEEDED, ...).</exception>
    public Task<ModelInferResponse> ForwardAsync(string model, ModelInferRequest request, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        ArgumentNullException.ThrowIfNull(request);
        // The caller's message is this call's own (parsed for it), so it is renamed in place: a copy
        // would duplicate every tensor byte (150 KB for one face image) on the hot path.
        request.ModelName = model;

        return DispatchAsync(model, request, static ex => ex, cancellationToken);
    }

    private async Task<ModelInferResponse> DispatchAsync(string model, ModelInferRequest request, Func<RpcException, RpcException> mapError, CancellationToken cancellationToken)
    {
        var catalog = SingleModelCatalogs.GetOrAdd(model, static m => new CatalogSnapshot([new VariantInfo(m, "model:" + m, 0)]));
        var time = _context.Time;
        _preferredWorkers.TryGetValue(model, out var preferred);

        SelectionRequest SelectionFor(IReadOnlySet<string> excluded) =>
            new("model:" + model, _slo, _deadline) { PinnedVariant = model, BestEffort = true, ExcludedWorkers = excluded };

        VariantChoice Select(IReadOnlySet<string> excluded)
        {
            var cluster = _context.Tracker.Current;
            if (preferred is not null && !excluded.Contains(preferred) && cluster.RoutableFor(model).Any(w => w.Worker.Id == preferred))
            {
                var variant = catalog.Find(model)!;
                return VariantChoice.Use(variant, preferred, TimeSpan.Zero, SelectionReasons.Pinned);
            }

            return _context.Selector.Select(SelectionFor(excluded), cluster, catalog, time.GetUtcNow());
        }

        TimeSpan? PlanHedge(VariantChoice choice) =>
            HedgePlanner.Plan(choice, SelectionFor(new HashSet<string>(StringComparer.Ordinal) { }), _context.Tracker.Current, _context.SelectorOptions, time.GetUtcNow());

        async ValueTask<ModelInferResponse> Call(VariantChoice choice, DateTimeOffset deadline, CancellationToken token)
        {
            var worker = choice.Worker!;
            var invoker = _context.Channels.Get(WorkerEndpoint.Parse(worker));
            // A worker that stops being routable mid-call (stalled, dead) fails the call as UNAVAILABLE
            // at once, so it is retried elsewhere rather than waiting for the deadline.
            var down = _context.Tracker.DownToken(worker);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, down);
            var expected = ExpectedDuration(worker);
            var sentAt = time.GetTimestamp();
            _context.Tracker.RecordSent(worker, model);
            using var call = invoker.UnaryAsync(InferenceMethods.ModelInfer, request, new CallOptions(Deadline: deadline.UtcDateTime, CancellationToken: linked.Token));
            try
            {
                var response = await call.ResponseAsync.ConfigureAwait(false);
                Observe(worker, expected, time.GetElapsedTime(sentAt));
                return response;
            }
            catch (Exception ex) when (down.IsCancellationRequested && !token.IsCancellationRequested && ex is RpcException or OperationCanceledException)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, $"worker {worker} stopped reporting load during the call"));
            }
            catch (Exception ex) when (IsLate(ex, deadline))
            {
                // Late (the worker or the deadline said so): it would have taken at least the time it had.
                var took = time.GetElapsedTime(sentAt);
                var had = deadline - time.GetUtcNow() + took;
                Observe(worker, expected, took > had ? took : had);
                throw;
            }
        }

        // What calibration compares the call with: the prediction from the worker's report alone.
        TimeSpan? ExpectedDuration(string worker)
        {
            foreach (var (candidate, load) in _context.Tracker.Current.RoutableFor(model))
            {
                if (candidate.Id == worker)
                {
                    return CompletionPredictor.PredictUncalibrated(load, priority: 1, _slo.Percentile, _context.SelectorOptions.NetworkAllowance, time.GetUtcNow());
                }
            }

            return null;
        }

        void Observe(string worker, TimeSpan? expected, TimeSpan took)
        {
            if (expected is { } predicted)
            {
                _context.Tracker.RecordOutcome(worker, model, predicted, took);
            }
        }

        bool IsLate(Exception ex, DateTimeOffset deadline) => ex switch
        {
            RpcException { StatusCode: StatusCode.DeadlineExceeded } => true,
            OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled } => time.GetUtcNow() >= deadline,
            _ => false,
        };

        DispatchOutcome<ModelInferResponse> outcome;
        var started = time.GetTimestamp();
        try
        {
            outcome = await _context.Dispatcher.DispatchAsync(Select, PlanHedge, _deadline, Call, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw mapError(ex);
        }

        var took = time.GetElapsedTime(started);
        lock (_gate)
        {
            Runs++;
            Attempts += outcome.Attempts;
            Hedges += outcome.Hedged ? 1 : 0;
            _longestCall[model] = _longestCall.TryGetValue(model, out var longest) && longest > took ? longest : took;
        }

        _servedBy[model] = outcome.Choice.Worker!;
        AddTimes(outcome.Response);
        return outcome.Response;
    }

    /// <summary>The status a front-end caller gets for a worker's failure on <paramref name="model"/>.</summary>
    /// <remarks>
    /// Deadline, overload, unavailability and cancellation pass through (they are about the request's
    /// budget or the cluster, and a client acts on them); anything else the worker rejects (a tensor
    /// it refuses, an unknown model) is this router's fault, never the caller's, so it becomes INTERNAL.
    /// </remarks>
    public static RpcException MapWorkerError(string model, RpcException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var code = ex.StatusCode switch
        {
            StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.Unavailable or StatusCode.Cancelled => ex.StatusCode,
            StatusCode.Internal => StatusCode.Internal,
            _ => StatusCode.Internal,
        };
        return new RpcException(new Status(code, $"model {model}: {ex.Status.Detail}"), ex.Trailers, ex);
    }

    internal static ModelInferRequest BuildRequest(string model, IReadOnlyList<NamedTensor> inputs)
    {
        var request = new ModelInferRequest { ModelName = model };
        foreach (var tensor in inputs)
        {
            if (tensor.Strings is not null)
            {
                throw new NotSupportedException($"model {model}: string tensors are not sent to workers.");
            }

            var input = new ModelInferRequest.Types.InferInputTensor { Name = tensor.Name, Datatype = Datatype(tensor.ElementType) };
            input.Shape.AddRange(tensor.Shape);
            request.Inputs.Add(input);
            request.RawInputContents.Add(tensor.HasRawBytes ? UnsafeByteOperations.UnsafeWrap(tensor.Bytes) : ByteString.CopyFrom(tensor.GetBytes()));
        }

        return request;
    }

    internal static ModelOutputs ToOutputs(string model, ModelInferResponse response)
    {
        if (response.RawOutputContents.Count != response.Outputs.Count)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"model {model}: the worker answered {response.Outputs.Count} outputs with {response.RawOutputContents.Count} raw contents."));
        }

        var outputs = new ModelOutput[response.Outputs.Count];
        for (var i = 0; i < outputs.Length; i++)
        {
            var output = response.Outputs[i];
            outputs[i] = new ModelOutput(output.Name, ElementType(model, output.Datatype), output.Shape.ToArray(), response.RawOutputContents[i].Memory);
        }

        // The memory belongs to the response message, which the garbage collector keeps while the outputs are referenced.
        return new ModelOutputs(outputs, owner: null);
    }

    internal static string Datatype(TensorElementType type) => type switch
    {
        TensorElementType.Float => "FP32",
        TensorElementType.Double => "FP64",
        TensorElementType.Float16 => "FP16",
        TensorElementType.BFloat16 => "BF16",
        TensorElementType.UInt8 => "UINT8",
        TensorElementType.Int8 => "INT8",
        TensorElementType.UInt16 => "UINT16",
        TensorElementType.Int16 => "INT16",
        TensorElementType.UInt32 => "UINT32",
        TensorElementType.Int32 => "INT32",
        TensorElementType.UInt64 => "UINT64",
        TensorElementType.Int64 => "INT64",
        TensorElementType.Bool => "BOOL",
        _ => throw new NotSupportedException($"Element type {type} has no v2 datatype."),
    };

    internal static TensorElementType ElementType(string model, string datatype) => datatype switch
    {
        "FP32" => TensorElementType.Float,
        "FP64" => TensorElementType.Double,
        "FP16" => TensorElementType.Float16,
        "BF16" => TensorElementType.BFloat16,
        "UINT8" => TensorElementType.UInt8,
        "INT8" => TensorElementType.Int8,
        "UINT16" => TensorElementType.UInt16,
        "INT16" => TensorElementType.Int16,
        "UINT32" => TensorElementType.UInt32,
        "INT32" => TensorElementType.Int32,
        "UINT64" => TensorElementType.UInt64,
        "INT64" => TensorElementType.Int64,
        "BOOL" => TensorElementType.Bool,
        _ => throw new RpcException(new Status(StatusCode.Internal, $"model {model}: the worker answered datatype '{datatype}'.")),
    };

    // Pipelines may run models of one request concurrently (Verify embeds both images at once).
    private void AddTimes(ModelInferResponse response)
    {
        lock (_gate)
        {
            AddTimesLocked(response);
        }
    }

    private void AddTimesLocked(ModelInferResponse response)
    {
        if (response.Parameters.TryGetValue("queue_us", out var queue) && queue.ParameterChoiceCase == InferParameter.ParameterChoiceOneofCase.Int64Param)
        {
            QueueMicros += queue.Int64Param;
        }

        if (response.Parameters.TryGetValue("compute_us", out var compute) && compute.ParameterChoiceCase == InferParameter.ParameterChoiceOneofCase.Int64Param)
        {
            ComputeMicros += compute.Int64Param;
        }
    }
}

/// <summary>What every <see cref="RemoteModelRunner"/> of a router shares.</summary>
internal sealed record RemoteInferenceContext(
    ResilientDispatcher Dispatcher,
    WorkerLoadTracker Tracker,
    WorkerChannelPool Channels,
    IVariantSelector Selector,
    SelectorOptions SelectorOptions,
    TimeProvider Time);
