using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Serving.Telemetry.Tests;

public sealed class EndpointTests
{
    [Fact]
    public async Task MapPrometheusMetrics_TestServer_ServesTextFormatWithServingNames()
    {
        var prefix = "Serving.Tests." + Guid.NewGuid().ToString("N");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddRouting();
        builder.Services.AddServingTelemetry(o =>
        {
            o.MeterPrefix = prefix;
            ServingInstruments.Configure(o);
        });
        await using var app = builder.Build();
        app.MapPrometheusMetrics();
        await app.StartAsync();
        using var meter = new Meter(prefix);
        ServingInstruments.Record(meter, app.Services.GetRequiredService<PrometheusCollector>());
        using var client = app.GetTestClient();

        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        foreach (var name in ServingInstruments.ExposedNames)
        {
            Assert.Contains($"# TYPE {name} ", body);
        }

        foreach (var reason in ServingInstruments.Reasons)
        {
            Assert.Contains($"serving_rejected_requests_total{{model=\"resnet50\",reason=\"{reason}\"}} ", body);
        }

        Assert.Contains("serving_pending_requests{model=\"resnet50\"} 7\n", body);
    }

    [Fact]
    public void MapPrometheusMetrics_WithoutAddServingTelemetry_SaysWhatToCall()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddRouting();
        using var app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapPrometheusMetrics());

        Assert.Contains("AddServingTelemetry", error.Message);
    }

    [Fact]
    public async Task MetricsListener_OwnLoopbackPort_ServesMetricsAnd404Elsewhere()
    {
        using var scope = new MeterScope();
        scope.Meter.CreateCounter<long>("serving_requests_total").Add(3);
        await using var listener = await MetricsListener.StartAsync(scope.Collector, new IPEndPoint(IPAddress.Loopback, 0));
        using var client = new HttpClient();

        using var metrics = await client.GetAsync(listener.MetricsUri);
        using var other = await client.GetAsync(new Uri(listener.MetricsUri, "/other"));

        Assert.NotEqual(0, listener.EndPoint.Port);
        Assert.Equal($"http://127.0.0.1:{listener.EndPoint.Port}/metrics", listener.MetricsUri.ToString());
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", metrics.Content.Headers.ContentType?.ToString());
        Assert.Contains("serving_requests_total 3\n", await metrics.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task AddServingTelemetry_MetricsPort_HostRunsListener()
    {
        var prefix = "Serving.Tests." + Guid.NewGuid().ToString("N");
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddServingTelemetry(o =>
        {
            o.MeterPrefix = prefix;
            o.MetricsPort = port;
            o.MetricsAddress = IPAddress.Loopback;
        });
        await using var app = builder.Build();
        using var meter = new Meter(prefix);
        await app.StartAsync();

        // Recorded after start without anyone resolving the collector: the host created it.
        meter.CreateCounter<long>("serving_requests_total").Add(2);
        using var client = new HttpClient();
        var body = await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        await app.StopAsync();

        Assert.Contains("serving_requests_total 2\n", body);
    }
}
