using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Serving.Telemetry.Internal;

namespace Serving.Telemetry;

/// <summary>
/// A Kestrel listener of its own that serves only <c>/metrics</c> over HTTP/1.1.
/// </summary>
/// <remarks>
/// The worker's and the router's main ports speak gRPC over cleartext HTTP/2, which Prometheus
/// cannot scrape; a separate port (<c>--metrics-port</c>) also keeps scrapes out of the serving
/// path's connection limits. Every other path answers 404.
/// </remarks>
public sealed class MetricsListener : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MetricsListener(WebApplication app, IPEndPoint endPoint, string path)
    {
        _app = app;
        EndPoint = endPoint;
        MetricsUri = new Uri($"http://{FormatHost(endPoint)}/{path.TrimStart('/')}");
    }

    /// <summary>The bound address; the real port when 0 was asked for.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Where to scrape, e.g. <c>http://127.0.0.1:9100/metrics</c> (a wildcard bind is shown as loopback).</summary>
    public Uri MetricsUri { get; }

    /// <summary>Binds <paramref name="endPoint"/> (port 0: any free port) and starts serving.</summary>
    public static async Task<MetricsListener> StartAsync(
        PrometheusCollector collector, IPEndPoint endPoint, string path = "/metrics", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(collector);
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var metricsPath = new PathString(path.StartsWith('/') ? path : "/" + path);

        // The empty builder reads no configuration files or environment: this listener must not
        // pick up the host app's URLs or logging set-up.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddLogging();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            kestrel.Listen(endPoint, listen => listen.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        app.Run(context =>
        {
            if (context.Request.Path == metricsPath
                && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)))
            {
                return MetricsResponse.WriteAsync(context, collector);
            }

            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });

        try
        {
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? throw new InvalidOperationException("Kestrel reported no bound address for the metrics listener.");
            var bound = new IPEndPoint(endPoint.Address, new Uri(address).Port);
            return new MetricsListener(app, bound, metricsPath.Value!);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops accepting scrapes and releases the port.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static string FormatHost(IPEndPoint endPoint)
    {
        var address = endPoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : endPoint.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : endPoint.Address;
        return new IPEndPoint(address, endPoint.Port).ToString();
    }
}
