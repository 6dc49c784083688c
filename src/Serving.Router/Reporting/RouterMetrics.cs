using System.Diagnostics.Metrics;
using Serving.Grpc;

namespace Serving.Router.Reporting;

/// <summary>
/// The router's instruments (Meter <c>Serving.Router</c>), named as Prometheus series per the house
/// style; the Serving.Telemetry exposition listens to the meter. Labels are bounded: task, variant,
/// code, slo, reason (without the variant suffix some rejection reasons carry) and worker (the
/// cluster's workers, a small set).
/// </summary>
public sealed class RouterMetrics : IDisposable
{
    /// <summary>The meter name exporters subscribe to.</summary>
    public const string MeterName = "Serving.Router";

    // 250 us .. 60 s.
    private static readonly double[] DurationBuckets =
        [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _sloAttained;
    private readonly Counter<long> _sloMissed;
    private readonly Counter<long> _selections;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _hedges;

    /// <summary>Creates the instruments; <paramref name="breakerStates"/>, <paramref name="workersReady"/> and <paramref name="calibration"/> are observed at scrape time.</summary>
    public RouterMetrics(
        Func<IEnumerable<Measurement<int>>>? breakerStates = null,
        Func<IEnumerable<Measurement<int>>>? workersReady = null,
        Func<IEnumerable<Measurement<double>>>? calibration = null)
    {
        _requests = _meter.CreateCounter<long>("serving_requests_total", description: "Router requests by task, variant and final gRPC status code.");
        _duration = _meter.CreateHistogram("serving_request_duration_seconds", "s", "Router request duration, receipt to answer.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _sloAttained = _meter.CreateCounter<long>("serving_slo_attained_total", description: "Requests answered OK inside their latency budget, by task and SLO class.");
        _sloMissed = _meter.CreateCounter<long>("serving_slo_missed_total", description: "Requests rejected, failed or answered after their budget, by task and SLO class.");
        _selections = _meter.CreateCounter<long>("serving_selections_total", description: "Variant selections by task, variant (empty when rejected) and reason.");
        _retries = _meter.CreateCounter<long>("serving_retries_total", description: "Worker calls retried on another worker, by task.");
        _hedges = _meter.CreateCounter<long>("serving_hedges_total", description: "Hedged worker calls (a second worker asked), by task.");
        _meter.CreateObservableGauge("serving_breaker_state", breakerStates ?? (() => []), description: "Circuit breaker per worker: 0 closed, 1 half-open, 2 open.");
        _meter.CreateObservableGauge("serving_workers_ready", workersReady ?? (() => []), description: "Workers with an up load stream reporting the model ready, by model.");
        _meter.CreateObservableGauge("serving_prediction_calibration", calibration ?? (() => []), description: "Factor on completion predictions from what recent calls took against them (1 = as the worker's profile predicts), by worker and model.");
    }

    /// <summary>Publishes the series of <paramref name="task"/> and its SLO classes at 0, so rates exist before traffic.</summary>
    public void InitializeTask(string task, IEnumerable<string> sloClasses, IEnumerable<string> variants)
    {
        foreach (var slo in sloClasses)
        {
            _sloAttained.Add(0, new("task", task), new("slo", slo));
            _sloMissed.Add(0, new("task", task), new("slo", slo));
        }

        foreach (var variant in variants)
        {
            _requests.Add(0, new("task", task), new("variant", variant), new("code", "OK"));
        }

        _retries.Add(0, new KeyValuePair<string, object?>("task", task));
        _hedges.Add(0, new KeyValuePair<string, object?>("task", task));
    }

    /// <summary>Counts a selection (or rejection) and its reason.</summary>
    public void Selected(string task, string? variant, string reason) =>
        _selections.Add(1, new("task", task), new("variant", variant ?? ""), new("reason", ReasonLabel(reason)));

    /// <summary>Counts a finished request with its outcome against its budget.</summary>
    public void Completed(string task, string? variant, string slo, StatusCode code, TimeSpan duration, bool withinBudget)
    {
        var codeLabel = StatusCodeNames.Of(code);
        _requests.Add(1, new("task", task), new("variant", variant ?? ""), new("code", codeLabel));
        _duration.Record(duration.TotalSeconds, new("task", task), new("variant", variant ?? ""), new("code", codeLabel));
        if (code == StatusCode.OK && withinBudget)
        {
            _sloAttained.Add(1, new("task", task), new("slo", slo));
        }
        else
        {
            _sloMissed.Add(1, new("task", task), new("slo", slo));
        }
    }

    /// <summary>Counts the extra worker calls of one request: retries on another worker and hedges.</summary>
    public void ExtraAttempts(string task, int retries, int hedges)
    {
        if (retries > 0)
        {
            _retries.Add(retries, new KeyValuePair<string, object?>("task", task));
        }

        if (hedges > 0)
        {
            _hedges.Add(hedges, new KeyValuePair<string, object?>("task", task));
        }
    }

    /// <summary>The reason without the variant name some reasons append (<c>unknown_variant:foo</c>), so labels stay bounded.</summary>
    public static string ReasonLabel(string reason)
    {
        var colon = reason.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? reason : reason[..colon];
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
