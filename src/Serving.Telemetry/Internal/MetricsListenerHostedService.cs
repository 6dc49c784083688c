using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Serving.Telemetry.Internal;

/// <summary>
/// Creates the collector when the host starts (so it listens before the first request) and runs the
/// metrics-only listener when <see cref="ServingTelemetryOptions.MetricsPort"/> is set.
/// </summary>
internal sealed class MetricsListenerHostedService(PrometheusCollector collector, IOptions<ServingTelemetryOptions> options)
    : IHostedService
{
    private MetricsListener? _listener;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.MetricsPort is { } port)
        {
            _listener = await MetricsListener.StartAsync(
                collector, new IPEndPoint(options.Value.MetricsAddress, port), cancellationToken: cancellationToken);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listener is { } listener)
        {
            _listener = null;
            await listener.DisposeAsync();
        }
    }
}
