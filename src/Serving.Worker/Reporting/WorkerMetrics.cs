using System.Diagnostics.Metrics;
using Serving.Worker.Batching;

namespace Serving.Worker.Reporting;

/// <summary>
/// The worker's instruments (Meter <c>Serving.Worker</c>), named as Prometheus series per the house
/// style. An exposition (Serving.Telemetry) listens to the meter; nothing here knows about it.
/// </summary>
public sealed class WorkerMetrics : IDisposable
{
    /// <summary>The meter name exporters subscribe to.</summary>
    public const string MeterName = "Serving.Worker";

    // 100 us .. 60 s, roughly x2.5 per step.
    private static readonly double[] DurationBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private static readonly int[] BatchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256];

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _queueDuration;
    private readonly Histogram<double> _computeDuration;
    private readonly Histogram<int> _batchSize;
    private readonly UpDownCounter<long> _pending;
    private readonly Counter<long> _rejected;

    /// <summary>Creates the instruments.</summary>
    public WorkerMetrics()
    {
        _requests = _meter.CreateCounter<long>("serving_requests_total", description: "Inference requests by final gRPC status code.");
        _requestDuration = _meter.CreateHistogram("serving_request_duration_seconds", "s", "Inference request duration in the worker.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _queueDuration = _meter.CreateHistogram("serving_queue_duration_seconds", "s", "Time requests waited in the batcher's queue.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _computeDuration = _meter.CreateHistogram("serving_compute_duration_seconds", "s", "Batch execution time (gather, run, scatter).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _batchSize = _meter.CreateHistogram("serving_batch_size", description: "Elements per executed batch.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = BatchBuckets });
        _pending = _meter.CreateUpDownCounter<long>("serving_pending_requests", description: "Requests queued or executing.");
        _rejected = _meter.CreateCounter<long>("serving_rejected_requests_total", description: "Requests completed without compute, by reason.");
    }

    /// <summary>Publishes every rejection reason of <paramref name="model"/> at 0, so rates exist before the first rejection.</summary>
    public void InitializeModel(string model)
    {
        foreach (var reason in Enum.GetValues<DropReason>())
        {
            _rejected.Add(0, new("model", model), new("reason", reason.Label()));
        }

        _pending.Add(0, new KeyValuePair<string, object?>("model", model));
    }

    /// <summary>Counts a finished ModelInfer call.</summary>
    public void RequestCompleted(string model, string version, string code, TimeSpan duration)
    {
        _requests.Add(1, new("model", model), new("version", version), new("code", code));
        _requestDuration.Record(duration.TotalSeconds, new("model", model), new("version", version), new("code", code));
    }

    internal void Rejected(string model, DropReason reason) =>
        _rejected.Add(1, new("model", model), new("reason", reason.Label()));

    internal void PendingChanged(string model, int delta) =>
        _pending.Add(delta, new KeyValuePair<string, object?>("model", model));

    internal void BatchExecuted(string model, int batchSize, TimeSpan compute)
    {
        _batchSize.Record(batchSize, new KeyValuePair<string, object?>("model", model));
        _computeDuration.Record(compute.TotalSeconds, new KeyValuePair<string, object?>("model", model));
    }

    internal void Queued(string model, TimeSpan wait) =>
        _queueDuration.Record(wait.TotalSeconds, new KeyValuePair<string, object?>("model", model));

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
