using System.Diagnostics.Metrics;
using System.Net;

namespace Serving.Telemetry.Tests;

/// <summary>
/// A real Prometheus (Debian's 2.42) scrapes a metrics listener on loopback every second and PromQL
/// returns what was recorded: the format, content type and counter semantics as a scraper sees them.
/// </summary>
public sealed class RealPrometheusTests : IAsyncLifetime
{
    private const int Requests = 137;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    private MeterScope? _scope;
    private MetricsListener? _listener;
    private PrometheusServer? _prometheus;

    public async Task InitializeAsync()
    {
        _scope = new MeterScope(ServingInstruments.Configure);
        _listener = await MetricsListener.StartAsync(_scope.Collector, new IPEndPoint(IPAddress.Loopback, 0));
    }

    [Fact]
    public async Task Prometheus_ScrapesListener_QueryReturnsRecordedRequestCount()
    {
        var scope = _scope!;
        var requests = scope.Meter.CreateCounter<long>("serving_requests_total", description: "Inference requests answered.");
        var duration = scope.Meter.CreateHistogram<double>("serving_request_duration_seconds", "s", "Request latency.");
        for (var i = 0; i < Requests; i++)
        {
            requests.Add(1, new("task", "classify"), new("variant", "v1"), new("code", "OK"));
            duration.Record(0.002, new KeyValuePair<string, object?>("model", "m"));
        }

        _prometheus = PrometheusServer.Start("serving", _listener!.EndPoint.Port, _listener.MetricsUri.AbsolutePath);

        Assert.Equal(Requests, await _prometheus.QueryScalarUntilAsync("sum(serving_requests_total{job=\"serving\",code=\"OK\"})", Requests, Patience));
        Assert.Equal(Requests, await _prometheus.QueryScalarUntilAsync("serving_request_duration_seconds_bucket{le=\"0.0025\",model=\"m\"}", Requests, Patience));
        Assert.Equal(1, await _prometheus.QueryScalarUntilAsync("up{job=\"serving\"}", 1, Patience));
    }

    public async Task DisposeAsync()
    {
        _prometheus?.Dispose();
        if (_listener is not null)
        {
            await _listener.DisposeAsync();
        }

        _scope?.Dispose();
    }
}
