using System.Diagnostics.Metrics;
using Serving.LoadTest.Workload;

namespace Serving.LoadTest.Running;

/// <summary>
/// The load tester's own metrics (warm-up included), for a live dashboard beside the router's:
/// <c>serving_loadtest_requests_total{task,slo,code}</c>,
/// <c>serving_loadtest_latency_seconds{task,slo}</c> (from the scheduled send time),
/// <c>serving_loadtest_slo_attained_total</c> / <c>serving_loadtest_slo_missed_total{task,slo}</c>,
/// <c>serving_loadtest_served_total{task,variant}</c>, <c>serving_loadtest_in_flight</c>.
/// </summary>
internal sealed class LoadTestMetrics : IDisposable
{
    public const string MeterName = "Serving.LoadTest";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _attained;
    private readonly Counter<long> _missed;
    private readonly Counter<long> _served;
    private readonly UpDownCounter<long> _inFlight;

    public LoadTestMetrics()
    {
        _requests = _meter.CreateCounter<long>("serving_loadtest_requests_total", description: "Requests answered (or failed) by task, SLO class and gRPC status code.");
        _latency = _meter.CreateHistogram<double>("serving_loadtest_latency_seconds", "s", "Latency seen by the load tester from each request's scheduled send time.");
        _attained = _meter.CreateCounter<long>("serving_loadtest_slo_attained_total", description: "Requests answered OK inside their SLO class's budget.");
        _missed = _meter.CreateCounter<long>("serving_loadtest_slo_missed_total", description: "Requests failed or answered after their budget.");
        _served = _meter.CreateCounter<long>("serving_loadtest_served_total", description: "Answers by the variant the router chose.");
        _inFlight = _meter.CreateUpDownCounter<long>("serving_loadtest_in_flight", description: "Requests sent and not yet answered.");
    }

    /// <summary>Publishes the attained/missed series of every task and class of the run at zero (call once the exposition listens).</summary>
    public void Initialize(IEnumerable<string> tasks, IEnumerable<string> slos)
    {
        var classes = slos.ToArray();
        foreach (var task in tasks)
        {
            foreach (var slo in classes)
            {
                _attained.Add(0, new KeyValuePair<string, object?>("task", task), new KeyValuePair<string, object?>("slo", slo));
                _missed.Add(0, new KeyValuePair<string, object?>("task", task), new KeyValuePair<string, object?>("slo", slo));
            }
        }

        _inFlight.Add(0);
    }

    public void Started() => _inFlight.Add(1);

    public void Record(in RequestOutcome outcome)
    {
        _inFlight.Add(-1);
        var task = new KeyValuePair<string, object?>("task", outcome.Task.Name());
        var slo = new KeyValuePair<string, object?>("slo", outcome.Slo);
        _requests.Add(1, task, slo, new KeyValuePair<string, object?>("code", outcome.Code.ToString()));
        _latency.Record(outcome.Latency.TotalSeconds, task, slo);
        (outcome.InSlo ? _attained : _missed).Add(1, task, slo);
        if (outcome.Variant.Length > 0)
        {
            _served.Add(1, task, new KeyValuePair<string, object?>("variant", outcome.Variant));
        }
    }

    public void Dispose() => _meter.Dispose();
}
