using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Serving.Telemetry.Internal;

namespace Serving.Telemetry;

/// <summary>Exposes the collector on an app's own endpoint routing (when it serves HTTP/1.1 anyway).</summary>
public static class PrometheusEndpointExtensions
{
    /// <summary>
    /// Maps <c>GET</c>/<c>HEAD</c> <paramref name="pattern"/> to the Prometheus text exposition of
    /// the <see cref="PrometheusCollector"/> registered by <c>AddServingTelemetry</c>.
    /// </summary>
    /// <remarks>
    /// The collector is resolved here, while the app is being built, so it is listening before the
    /// first request is recorded.
    /// </remarks>
    /// <exception cref="InvalidOperationException">AddServingTelemetry was not called.</exception>
    public static IEndpointConventionBuilder MapPrometheusMetrics(this IEndpointRouteBuilder endpoints, string pattern = "/metrics")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var collector = endpoints.ServiceProvider.GetService<PrometheusCollector>()
            ?? throw new InvalidOperationException(
                "No PrometheusCollector is registered: call services.AddServingTelemetry() before MapPrometheusMetrics.");
        return endpoints.MapMethods(pattern, [HttpMethods.Get, HttpMethods.Head], context => MetricsResponse.WriteAsync(context, collector));
    }
}
