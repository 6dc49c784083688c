using System.Diagnostics.Metrics;

namespace Serving.Telemetry.Tests;

/// <summary>
/// The worker's and router's instruments as STYLE.md names them, recorded with realistic values:
/// what promtool lints and what the endpoint tests expect to see.
/// </summary>
internal static class ServingInstruments
{
    public static readonly string[] Reasons = ["queue_full", "deadline_unmeetable", "no_variant", "model_unavailable"];

    /// <summary>The names a scrape must show (counters with their suffix).</summary>
    public static readonly string[] ExposedNames =
    [
        "serving_requests_total", "serving_request_duration_seconds", "serving_queue_duration_seconds",
        "serving_batch_size", "serving_pending_requests", "serving_rejected_requests_total",
        "serving_slo_attained_total", "serving_slo_missed_total",
    ];

    public static void Configure(ServingTelemetryOptions options) =>
        options.HistogramBuckets["serving_batch_size"] = [1, 2, 4, 8, 16, 32, 64, 128];

    public static void Record(Meter meter, PrometheusCollector collector)
    {
        foreach (var reason in Reasons)
        {
            collector.Declare("serving_rejected_requests_total", new("model", "resnet50"), new("reason", reason));
        }

        var requests = meter.CreateCounter<long>("serving_requests_total", description: "Inference requests answered, by task, variant and gRPC status code.");
        var duration = meter.CreateHistogram<double>("serving_request_duration_seconds", "s", "Time from receiving a request to sending its response.");
        var queue = meter.CreateHistogram<double>("serving_queue_duration_seconds", "s", "Time a request waited in the batcher's queue.");
        var batch = meter.CreateHistogram<int>("serving_batch_size", description: "Requests per executed batch.");
        var rejected = meter.CreateCounter<long>("serving_rejected_requests_total", description: "Requests refused before execution, by reason.");
        var attained = meter.CreateCounter<long>("serving_slo_attained_total", description: "Requests answered within their latency objective.");
        var missed = meter.CreateCounter<long>("serving_slo_missed_total", description: "Requests answered after their latency objective.");
        var pending = 7;
        meter.CreateObservableGauge("serving_pending_requests", () => new Measurement<int>(pending, new KeyValuePair<string, object?>("model", "resnet50")), description: "Requests queued and not yet in a batch.");

        for (var i = 0; i < 40; i++)
        {
            var variant = i % 3 == 0 ? "resnet50-int8" : "resnet50-fp32";
            requests.Add(1, new("task", "classify"), new("variant", variant), new("code", i % 10 == 0 ? "DEADLINE_EXCEEDED" : "OK"));
            duration.Record(0.0004 * (i + 1), new KeyValuePair<string, object?>("model", "resnet50"));
            queue.Record(0.0001 * i, new KeyValuePair<string, object?>("model", "resnet50"));
            batch.Record(1 << (i % 6), new KeyValuePair<string, object?>("model", "resnet50"));
            (i % 10 == 0 ? missed : attained).Add(1, new("task", "classify"), new("slo", "p99_50ms"));
        }

        rejected.Add(3, new("model", "resnet50"), new("reason", "queue_full"));
    }
}
