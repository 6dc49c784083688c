using System.Globalization;
using Serving.Grpc;
using Serving.Models.Profiling;
using Serving.OnnxRuntime;
using Serving.Worker.Batching;
using Serving.Worker.Reporting;
using Serving.Worker.Repository;
using Serving.Worker.Statistics;

namespace Serving.Worker.Inference;

/// <summary>
/// One served model version: its configuration, one <see cref="InferenceSession"/> (ORT sessions
/// are thread-safe for Run, so <c>instance_group.count</c> batches run on it concurrently) and its
/// dynamic batcher.
/// </summary>
/// <remarks>Owns the session and the batcher; <see cref="DrainAsync"/> then <see cref="Dispose"/> retires it.</remarks>
public sealed class LoadedModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly DynamicBatcher<InferenceRequest> _batcher;
    private readonly BatchExecutor _executor;
    private readonly WorkerMetrics _metrics;
    private readonly TimeProvider _time;

    internal LoadedModel(ModelConfiguration config, long version, InferenceSession session, WorkerMetrics metrics, TimeProvider time)
    {
        Config = config;
        Version = version;
        VersionText = version.ToString(CultureInfo.InvariantCulture);
        _session = session;
        _metrics = metrics;
        _time = time;
        Recorder = new ServiceTimeRecorder(time);
        Statistics = new ModelStatisticsCounters();
        Signature = ModelSignature.From(config);
        BatchingOptions = BatchingOptions.FromConfiguration(config);
        _executor = new BatchExecutor(this, session, metrics, time);
        _batcher = new DynamicBatcher<InferenceRequest>(BatchingOptions, Recorder, _executor, time);
        metrics.InitializeModel(config.Name);
    }

    /// <summary>The model name.</summary>
    public string Name => Config.Name;

    /// <summary>The version number.</summary>
    public long Version { get; }

    /// <summary>The version as the protocol spells it.</summary>
    public string VersionText { get; }

    /// <summary>The (validated or auto-completed) configuration.</summary>
    public ModelConfiguration Config { get; }

    /// <summary>The batcher's settings.</summary>
    public BatchingOptions BatchingOptions { get; }

    /// <summary>Measured service time per batch size (load reports, batcher estimates).</summary>
    public ServiceTimeRecorder Recorder { get; }

    /// <summary>Inputs and outputs in wire terms.</summary>
    public ModelSignature Signature { get; }

    internal ModelStatisticsCounters Statistics { get; }

    /// <summary>Raised on the executing thread when a batch starts compute (tests check deadlines with it).</summary>
    public event Action<BatchStartRecord>? BatchStarted;

    /// <summary>Raised when the queue or in-flight count changes (load reports push on it).</summary>
    public event Action? LoadChanged;

    /// <summary>Queue lengths and in-flight batches.</summary>
    public BatcherLoad GetLoad() => _batcher.GetLoad();

    /// <summary>
    /// Queues a decoded request and completes with its outputs; fails with an <see cref="RpcException"/>
    /// (RESOURCE_EXHAUSTED queue full, DEADLINE_EXCEEDED, UNAVAILABLE when unloading, ...).
    /// </summary>
    public Task<IReadOnlyList<OutputData>> InferAsync(InferenceRequest request, long priority, DateTimeOffset? deadline, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        request.ArrivedAt = _time.GetUtcNow();
        request.ArrivalTimestamp = _time.GetTimestamp();
        var result = _batcher.TryEnqueue(request, Signature.Batched ? request.BatchSize : 1, priority, deadline, timeout, cancellationToken);
        if (result.Rejection is { } reason)
        {
            _metrics.Rejected(Name, reason);
            Statistics.RecordFailure(TimeSpan.Zero);
            return Task.FromException<IReadOnlyList<OutputData>>(ToException(reason));
        }

        // The batcher decided on entry; its deadline is the one the policy plans with.
        _metrics.PendingChanged(Name, 1);
        NotifyLoadChanged();
        return request.Completion.Task;
    }

    /// <summary>
    /// Runs the model on seeded random inputs at batch size 1, each preferred size and the maximum
    /// (Triton's model warm-up), recording all but each size's first run as service-time samples.
    /// </summary>
    /// <remarks>
    /// Two reasons: ONNX Runtime's first runs of a session allocate and are slow, which the first
    /// real requests would otherwise pay; and a router predicts completion times only from measured
    /// service times, so a worker that reports none could answer only best-effort requests.
    /// Called before the model is published as ready; nothing else runs on the session yet.
    /// </remarks>
    internal void WarmUp(int runs)
    {
        if (runs <= 0)
        {
            return;
        }

        var sizes = Signature.Batched
            ? new SortedSet<int>(BatchingOptions.PreferredBatchSizes.Append(1).Append(BatchingOptions.MaxBatchSize).Where(b => b >= 1))
            : new SortedSet<int> { 1 };
        foreach (var size in sizes)
        {
            var random = new Random(size);
            for (var run = 0; run <= runs; run++)
            {
                var inputs = RandomInputs.For(_session, size, random);
                var started = _time.GetTimestamp();
                using (_session.Run(inputs))
                {
                }

                if (run > 0)
                {
                    Recorder.Record(size, _time.GetElapsedTime(started));
                }
            }
        }
    }

    /// <summary>Stops taking requests, runs what is queued, and completes when nothing is in flight.</summary>
    public Task DrainAsync(CancellationToken cancellationToken = default) => _batcher.DrainAsync(cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        _batcher.Dispose();
        _session.Dispose();
    }

    internal RpcException ToException(DropReason reason) => new(new Status((StatusCode)reason.GrpcStatusCode(), reason switch
    {
        DropReason.QueueFull => $"model '{Name}' version {VersionText}: queue full (queue_full)",
        DropReason.DeadlineExceeded => $"model '{Name}': deadline or timeout passed while queued (deadline_exceeded)",
        DropReason.DeadlineUnattainable => $"model '{Name}': the deadline cannot be met given the measured service time (deadline_unattainable)",
        DropReason.Cancelled => "the request was cancelled",
        DropReason.BatchTooLarge => $"model '{Name}': batch size exceeds max_batch_size {Config.MaxBatchSize}",
        DropReason.ShuttingDown => $"model '{Name}' version {VersionText} is unloading or the worker is shutting down",
        _ => $"model '{Name}': execution failed",
    }));

    internal void OnBatchStarted(BatchStartRecord record) => BatchStarted?.Invoke(record);

    internal void NotifyLoadChanged() => LoadChanged?.Invoke();
}
